import { canonicalize } from '../canonical.ts'
import { SignatureRedactionForbiddenError } from '../errors.ts'
import type { NfpRecord } from '../record.ts'
import { disclosureDigest } from './digest.ts'
import { fromPointer, toPointer } from './pointer.ts'
import { deriveSalts, SALT_CHARS } from './salts.ts'
import type { SignedRecordV2 } from './types.ts'
import { disclosureUnits, fixedPaths, isCommittedInClear } from './units.ts'

/**
 * A unit to remove: a JSON Pointer to a field (`/address`), a member of `provenance`
 * (`/provenance/sourceReference`), or one element of a list of links named by its value.
 */
export type Removal = string | { field: string, element: unknown }

/**
 * Removes disclosure units from a version 2 signed record. The values leave the record and the
 * signature carries their digests instead. The originator's proof and batch signature stay, so
 * the copy still verifies and its verifier reports the removed paths. A record that still has
 * its seed gets the salts of its units in place of the seed, because the seed would reveal the
 * salts of the removed units. Any holder can do this without a key. Removing a field that is absent,
 * or a unit already removed, changes nothing. The input is not changed.
 *
 * @returns the new copy and the paths this call removed.
 * @throws SignatureRedactionForbiddenError for a field no holder may remove, or for a path
 *   finer than a disclosure unit (such as a member of one element of a list of objects).
 */
export function redactSignedRecord (signed: SignedRecordV2, removals: Removal[]): { signed: SignedRecordV2, removed: string[] } {
  const record = structuredClone(signed.record) as Record<string, unknown>
  const salts = signed.signature.seed !== undefined ? saltsFromSeed(record, signed.signature.seed) : { ...signed.signature.salts }
  const removedDigests = { ...signed.signature.removed }
  // Every unit the originator committed to, disclosed or removed.
  const digests = { ...salts, ...removedDigests }
  const fixed = fixedPaths(String(record.type))
  const removed: string[] = []

  const removeUnit = (path: string): void => {
    if (fixed.has(path)) throw new SignatureRedactionForbiddenError(`\`${path}\` of record \`${String(record.id)}\` cannot be removed: it identifies the record or carries its handling conditions`, { field: path })
    if (salts[path] === undefined) return
    const [name, token] = fromPointer(path) as [string, string | undefined]
    let value: unknown
    if (token === undefined) {
      value = record[name]
      delete record[name]
    } else if (Array.isArray(record[name])) {
      const position = disclosedIndexes(salts, name).indexOf(Number(token))
      value = (record[name] as unknown[])[position]
      const list = (record[name] as unknown[]).filter((_, i) => i !== position)
      if (list.length === 0) delete record[name]
      else record[name] = list
    } else {
      value = (record[name] as Record<string, unknown>)[token]
      delete (record[name] as Record<string, unknown>)[token]
    }
    removedDigests[path] = disclosureDigest(salts[path] as string, path, value)
    delete salts[path]
    removed.push(path)
  }

  for (const removal of removals) {
    if (typeof removal === 'string') {
      // A unit committed in clear has no salt, so it would not be found among the units below.
      if (fixed.has(removal)) removeUnit(removal)
      removeByPointer(removal, digests, removeUnit)
    } else {
      const position = Array.isArray(record[removal.field])
        ? (record[removal.field] as unknown[]).findIndex(v => canonicalize(v) === canonicalize(removal.element))
        : -1
      if (position >= 0) removeUnit(toPointer(removal.field, disclosedIndexes(salts, removal.field)[position] as number))
      else if (canonicalize(record[removal.field] ?? null) === canonicalize(removal.element)) removeByPointer(toPointer(removal.field), digests, removeUnit)
    }
  }

  if (removed.length === 0) return { signed: { record: record as NfpRecord, signature: signed.signature }, removed }
  const { version, batch, index, proof } = signed.signature
  return {
    signed: { record: record as NfpRecord, signature: { version, batch, index, proof, salts, removed: removedDigests } },
    removed: removed.sort()
  }
}

/** Derives the salt of every salted unit of a whole record from its seed, keyed by path. */
function saltsFromSeed (record: Record<string, unknown>, seed: string): Record<string, string> {
  const paths = disclosureUnits(record).map(unit => unit.path).filter(path => !isCommittedInClear(path)).sort()
  const text = deriveSalts(Buffer.from(seed, 'base64url'), paths.length)
  const salts: Record<string, string> = {}
  paths.forEach((path, i) => { salts[path] = text.slice(i * SALT_CHARS, (i + 1) * SALT_CHARS) })
  return salts
}

function removeByPointer (pointer: string, digests: Record<string, string>, removeUnit: (path: string) => void): void {
  if (digests[pointer] !== undefined) {
    removeUnit(pointer)
    return
  }
  // A field committed member by member or element by element goes as all its units.
  const units = Object.keys(digests).filter(path => path.startsWith(pointer + '/'))
  if (units.length > 0) {
    for (const path of units) removeUnit(path)
    return
  }
  const tokens = fromPointer(pointer)
  if (tokens === undefined) throw new SignatureRedactionForbiddenError(`\`${pointer}\` is not a JSON Pointer`, { field: pointer })
  // A path inside a unit (a member of an object in a list) cannot go alone without breaking the unit's digest.
  if (tokens.length > 1 && digests[toPointer(tokens[0] as string)] !== undefined) {
    throw new SignatureRedactionForbiddenError(`\`${pointer}\` lies inside the unit \`${toPointer(tokens[0] as string)}\`, which the signature lets a holder remove only as a whole`, { field: pointer })
  }
}

function disclosedIndexes (salts: Record<string, string>, name: string): number[] {
  const prefix = toPointer(name) + '/'
  return Object.keys(salts).filter(p => p.startsWith(prefix)).map(p => Number(p.slice(prefix.length))).sort((a, b) => a - b)
}
