import { RecordNotCanonicalError } from './errors.ts'

/**
 * Serialises a JSON value in the JSON Canonicalization Scheme of RFC 8785.
 *
 * ECMAScript's own number and string serialisation is what RFC 8785 prescribes, so the work
 * left is sorting object keys by UTF-16 code units and rejecting what JSON cannot carry.
 */
export function canonicalize (value: unknown): string {
  return serialise(value, '', 0)
}

/**
 * Deepest nesting the canonical form accepts. Records are a few levels deep; the limit keeps a
 * hostile document from exhausting the stack before its schema is checked.
 */
export const MAX_DEPTH = 64

/** Returns the UTF-8 bytes of the canonical form. */
export function canonicalBytes (value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalize(value))
}

function serialise (value: unknown, path: string, depth: number): string {
  if (value === null) return 'null'
  if (depth > MAX_DEPTH) throw new RecordNotCanonicalError(`value at \`${path}\` is nested deeper than ${MAX_DEPTH} levels`, { field: path })

  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      if (!Number.isFinite(value)) throw new RecordNotCanonicalError(`value at \`${path || '/'}\` is not a finite number`, { field: path })
      return JSON.stringify(value)
    case 'string':
      if (!value.isWellFormed()) throw new RecordNotCanonicalError(`string at \`${path || '/'}\` contains a lone surrogate`, { field: path })
      return JSON.stringify(value)
    case 'object':
      break
    default:
      throw new RecordNotCanonicalError(`value at \`${path || '/'}\` has type ${typeof value}, which JSON cannot represent`, { field: path })
  }

  // Plain loops and one string per member: this runs for every hash of a record, hop and audit entry.
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + serialise(value[i], `${path}/${i}`, depth + 1)
    return out + ']'
  }

  const object = value as Record<string, unknown>
  let out = '{'
  let first = true
  for (const key of Object.keys(object).sort()) {
    const member = object[key]
    if (member === undefined) continue
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + serialise(member, `${path}/${key}`, depth + 1)
    first = false
  }
  return out + '}'
}
