import { CONTEXT_URL } from './constants.ts'
import { expandRecord, recordContext } from './context.ts'

/**
 * Maximum number of record shapes remembered as expanding without error. A node is expected to
 * receive a few hundred shapes (record types times the optional fields they use), an estimate.
 * When more arrive, the set starts over.
 */
const MAX_SHAPES = 1024

/**
 * Terms of the shipped context, grouped by how they expand a string value. Expansion cannot fail
 * on the string of a literal term, whatever its text, so two records that differ only in such
 * values expand alike. Keys the context does not define are in no set, so their values always
 * count in full.
 */
const { literal: LITERAL_TERMS, iri: IRI_TERMS, all: DEFINED_TERMS } = termsOf(recordContext())

/**
 * An absolute IRI as jsonld 9.0 recognises one (a scheme, a colon, no white space), without its
 * `_:` blank node form. Under an IRI term, such a value whose scheme is not a term of the context
 * expands to itself and cannot fail, so its text does not change the outcome either.
 */
const ABSOLUTE_IRI = /^([A-Za-z][A-Za-z0-9+.-]*):\S*$/

const shapesThatExpand = new Set<string>()

/**
 * Checks that a record is valid JSON-LD under the shipped context, as `expandRecord` does in
 * safe mode, without expanding again a record of a shape that expanded before. The shape keeps
 * every key, the JSON type of every value, and the full text of every value that is not a
 * string under a literal term, so a value that could change the outcome always counts.
 *
 * @throws RecordJsonLdInvalidError as `expandRecord` does.
 */
export async function checkRecordJsonLd (record: unknown): Promise<void> {
  const shape = shapeOf(record)
  if (shape !== undefined && shapesThatExpand.has(shape)) return
  await expandRecord(record)
  if (shape === undefined) return
  if (shapesThatExpand.size >= MAX_SHAPES) shapesThatExpand.clear()
  shapesThatExpand.add(shape)
}

/**
 * Returns the shape of a record whose only context is the shipped one, or undefined for any
 * other record: a context of its own could give a term another meaning, so it is always expanded.
 */
function shapeOf (record: unknown): string | undefined {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return undefined
  const { '@context': context, ...rest } = record as Record<string, unknown>
  if (context !== CONTEXT_URL) return undefined
  try {
    return shapeOfValue(rest, undefined)
  } catch (err) {
    if (err instanceof OwnContext) return undefined
    throw err
  }
}

function shapeOfValue (value: unknown, term: string | undefined): string {
  if (Array.isArray(value)) return '[' + value.map(item => shapeOfValue(item, term)).join(',') + ']'
  if (value !== null && typeof value === 'object') {
    let shape = '{'
    for (const key of Object.keys(value).sort()) {
      if (key === '@context') throw new OwnContext()
      const child = (value as Record<string, unknown>)[key]
      // A keyword (`@value`, `@list` …) can change how everything under it expands.
      shape += JSON.stringify(key) + ':' + (key.startsWith('@') ? JSON.stringify(child) : shapeOfValue(child, key)) + ','
    }
    return shape + '}'
  }
  if (term !== undefined && LITERAL_TERMS.has(term)) {
    if (typeof value === 'string') return 's'
    if (typeof value === 'number') return 'n'
  }
  if (term !== undefined && IRI_TERMS.has(term) && typeof value === 'string') {
    const scheme = ABSOLUTE_IRI.exec(value)?.[1]
    if (scheme !== undefined && !DEFINED_TERMS.has(scheme)) return 'i'
  }
  return JSON.stringify(value) ?? 'undefined'
}

/** Thrown by `shapeOfValue` on a nested `@context`, which leaves the record without a shape. */
class OwnContext extends Error {}

/**
 * Groups the terms of the shipped context. `literal` terms expand a string to a plain literal.
 * `iri` terms (`@id` and its aliases, `@type: @id`) expand a string to an IRI without applying
 * terms to it. `all` contains every term, because a term used as a prefix changes an IRI.
 */
function termsOf (document: unknown): { literal: Set<string>, iri: Set<string>, all: Set<string> } {
  const definitions = (document as { '@context': Record<string, unknown> })['@context']
  const literal = new Set<string>()
  const iri = new Set<string>()
  const all = new Set<string>()
  for (const [term, definition] of Object.entries(definitions)) {
    if (term.startsWith('@')) continue
    all.add(term)
    if (typeof definition === 'string') {
      if (definition === '@id') iri.add(term)
      else if (!definition.startsWith('@')) literal.add(term)
      continue
    }
    const { '@type': type, '@container': container } = definition as { '@type'?: string, '@container'?: string }
    if (container !== undefined && container !== '@set') continue
    if (type === '@id') iri.add(term)
    else if (type !== '@vocab') literal.add(term)
  }
  return { literal, iri, all }
}
