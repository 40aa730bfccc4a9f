import { hash } from 'node:crypto'
import { canonicalize } from '../canonical.ts'
import { RecordNotCanonicalError, SignatureDisclosureInvalidError } from '../errors.ts'
import { deriveSalts, SALT_CHARS } from './salts.ts'
import { isCommittedInClear, isDerivedField, isLinkList, isMemberwiseField, isPlainObject } from './units.ts'

/** Maximum number of disclosure units one record may have, which bounds the work of a hostile record. */
export const MAX_UNITS = 1024

/** The disclosure material of a version 2 envelope, read and checked for shape. */
export interface Disclosures {
  /** The seed bytes of a record with every unit disclosed. */
  seed?: Uint8Array
  /** Salts of the disclosed units of a redacted copy. */
  salts?: Record<string, string>
  /** Digests of the removed units of a redacted copy. */
  removed?: Record<string, string>
}

const INDEX_TOKEN = /^(0|[1-9][0-9]{0,5})$/

/**
 * Recomputes a record's commitment (SPEC section 5.2), which is also its leaf hash, as
 * lower-case hex. The inputs are the values the record carries and either the envelope's seed or
 * its salts and removed digests. The caller compares the result with the version hash, which
 * differs when a value was added, altered or moved, or a digest replaced.
 *
 * This is the hot path of verification. It builds each unit's digest input as one string and
 * hashes it to a string, because a Buffer result costs several times the hash itself (Node 24).
 *
 * @throws SignatureDisclosureInvalidError when a value has no salt, a salt has no value, or the
 *   record has more than MAX_UNITS units; RecordNotCanonicalError for a value without canonical form.
 */
export function recomputeCommitment (record: Record<string, unknown>, disclosures: Disclosures): string {
  const { seed, salts, removed } = disclosures
  const units: Units = { list: [], salted: 0 }
  // Positions of the disclosed elements per field of a redacted copy, read from the salts once.
  let elements: Map<string, number[]> | undefined
  for (const name of Object.keys(record)) {
    if (isDerivedField(name)) continue
    const value = record[name]
    const field = fieldUnit(name)
    if (isMemberwiseField(name)) {
      if (!isPlainObject(value)) throw new SignatureDisclosureInvalidError(`field \`${field.path}\` must be an object`, { field: field.path })
      for (const member of Object.keys(value)) addUnit(units, salts, memberUnit(member), value[member])
    } else if (isElementwise(field, value, salts)) {
      if (salts !== undefined) elements ??= elementIndexes(salts)
      addElements(units, salts, field, value, elements)
    } else {
      addUnit(units, salts, field, value)
    }
  }

  const list = units.list
  let saltText = ''
  if (seed !== undefined) {
    saltText = deriveSalts(seed, units.salted)
  } else {
    // Every salted unit found its salt, so any further salt names a path without a value.
    const saltPaths = Object.keys(salts as Record<string, string>)
    if (saltPaths.length > units.salted) {
      const disclosed = new Set(list.map(unit => unit.name.path))
      const orphan = saltPaths.find(path => !disclosed.has(path)) as string
      throw new SignatureDisclosureInvalidError(`a salt is given for \`${orphan}\`, but the record has no value there`, { field: orphan })
    }
    for (const path of Object.keys(removed as Record<string, string>)) {
      if (!path.isWellFormed()) throw new RecordNotCanonicalError(`name \`${path}\` contains a lone surrogate`, { field: path })
      list.push({ name: { path, key: JSON.stringify(path), middle: '', clear: false }, text: undefined })
    }
  }
  // Code unit order of the paths, as RFC 8785 sorts member names. Paths are unique, so no two compare equal.
  list.sort((a, b) => a.name.path < b.name.path ? -1 : 1)

  // The canonical form of the committed object, written directly: its keys are the sorted
  // paths, its values the value itself for a unit committed in clear, else the unit's digest,
  // a base64url string that needs no escaping.
  let text = '\u0000{'
  let salted = 0
  for (let i = 0; i < list.length; i++) {
    const { name, text: value } = list[i] as Disclosed
    let entry: string
    if (value === undefined) {
      entry = name.key + ':"' + (removed as Record<string, string>)[name.path] + '"'
    } else if (name.clear) {
      entry = name.key + ':' + value
    } else {
      const salt = seed !== undefined ? saltText.slice(salted * SALT_CHARS, ++salted * SALT_CHARS) : (salts as Record<string, string>)[name.path] as string
      // The digest is SHA-256 of the canonical form of [salt, path, value].
      entry = name.key + ':"' + hash('sha256', '["' + salt + name.middle + value + ']', 'base64url') + '"'
    }
    text += (i === 0 ? '' : ',') + entry
  }
  return hash('sha256', text + '}', 'hex')
}

/** A unit's JSON Pointer, the pointer's canonical JSON text, and whether it is committed in clear. */
interface UnitName {
  path: string
  key: string
  /** The text between salt and value in the canonical form of [salt, path, value]. */
  middle: string
  clear: boolean
}

/** A unit with the canonical text of its value; a removed unit has none. */
interface Disclosed {
  name: UnitName
  text: string | undefined
}

/** The units of one record, and how many of them take a salt. */
interface Units {
  list: Disclosed[]
  salted: number
}

// Unit names are the same in nearly every record, so they are built once: a cached name is a
// flat string with its hash computed, which the maps below then look up without rehashing.
// The caches stop growing at a bound, so records with ever new field names cannot fill memory.
const NAME_CACHE_LIMIT = 4096
const fieldNames = new Map<string, UnitName>()
const memberNames = new Map<string, UnitName>()
const elementNames = new Map<string, UnitName>()

function cached (cache: Map<string, UnitName>, id: string, path: string): UnitName {
  let name = cache.get(id)
  if (name === undefined) {
    if (!path.isWellFormed()) throw new RecordNotCanonicalError(`name \`${path}\` contains a lone surrogate`, { field: path })
    const key = JSON.stringify(path)
    name = { path, key, middle: '",' + key + ',', clear: isCommittedInClear(path) }
    if (cache.size < NAME_CACHE_LIMIT) cache.set(id, name)
  }
  return name
}

function fieldUnit (field: string): UnitName {
  return fieldNames.get(field) ?? cached(fieldNames, field, tokenOf(field))
}

function memberUnit (member: string): UnitName {
  return memberNames.get(member) ?? cached(memberNames, member, '/provenance' + tokenOf(member))
}

function elementUnit (field: UnitName, index: number): UnitName {
  const path = field.path + '/' + String(index)
  return elementNames.get(path) ?? cached(elementNames, path, path)
}

function addUnit (units: Units, salts: Record<string, string> | undefined, name: UnitName, value: unknown): void {
  if (salts !== undefined && !name.clear && salts[name.path] === undefined) {
    throw new SignatureDisclosureInvalidError(`field \`${name.path}\` has no salt, so it is not covered by the originator's signature`, { field: name.path })
  }
  // Strings and finite numbers have the canonical form JSON.stringify gives them (RFC 8785).
  const text = (typeof value === 'string' && value.isWellFormed()) || (typeof value === 'number' && Number.isFinite(value)) ? JSON.stringify(value) : canonicalize(value)
  // Checked as units are added, so a record of a million fields is rejected at its 1,025th unit.
  if (units.list.push({ name, text }) > MAX_UNITS) throw new SignatureDisclosureInvalidError(`record has more than ${MAX_UNITS} disclosure units`)
  if (!name.clear) units.salted++
}

/**
 * Returns true for a field whose elements are units: in a whole record a list of links, in a
 * redacted copy a field without a salt of its own. A field committed in clear is always whole.
 */
function isElementwise (field: UnitName, value: unknown, salts: Record<string, string> | undefined): boolean {
  if (field.clear) return false
  return salts === undefined ? isLinkList(value) : salts[field.path] === undefined
}

/** Adds the elements of a list of links. In a redacted copy they map in order to the disclosed positions. */
function addElements (units: Units, salts: Record<string, string> | undefined, field: UnitName, value: unknown, elements: Map<string, number[]> | undefined): void {
  if (salts === undefined) {
    (value as string[]).forEach((element, i) => addUnit(units, undefined, elementUnit(field, i), element))
    return
  }
  const indexes = elements?.get(field.path) ?? []
  if (indexes.length === 0 || !Array.isArray(value)) {
    throw new SignatureDisclosureInvalidError(`field \`${field.path}\` has no salt, so it is not covered by the originator's signature`, { field: field.path })
  }
  if (value.length !== indexes.length) {
    throw new SignatureDisclosureInvalidError(`field \`${field.path}\` has ${value.length} elements but ${indexes.length} salts`, { field: field.path })
  }
  value.forEach((element, i) => addUnit(units, salts, elementUnit(field, indexes[i] as number), element))
}

/**
 * Original positions of the disclosed elements of every list of links, ascending, keyed by the
 * field's path. It makes one pass over the salts for the whole record, because a pass per field
 * would let a copy of a thousand one-element lists cost a million path tests.
 */
function elementIndexes (salts: Record<string, string>): Map<string, number[]> {
  const byField = new Map<string, number[]>()
  for (const path of Object.keys(salts)) {
    const slash = path.lastIndexOf('/')
    if (slash <= 0 || !INDEX_TOKEN.test(path.slice(slash + 1))) continue
    const field = path.slice(0, slash)
    let indexes = byField.get(field)
    if (indexes === undefined) {
      indexes = []
      byField.set(field, indexes)
    }
    indexes.push(Number(path.slice(slash + 1)))
  }
  for (const indexes of byField.values()) indexes.sort((a, b) => a - b)
  return byField
}

/** Returns the JSON Pointer reference token of `name` with its leading slash (RFC 6901). */
function tokenOf (name: string): string {
  return name.includes('~') || name.includes('/') ? '/' + name.replaceAll('~', '~0').replaceAll('/', '~1') : '/' + name
}
