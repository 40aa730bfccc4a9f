/**
 * Text features of a web listing for the triage model: hashed bag of words of the title and the
 * description, hashed character trigrams of the title, and the market subcategory. The same
 * function runs at training and in the node, so both see the same columns.
 */

/** Number of hashed feature columns; the ONNX model's input width. */
export const TRIAGE_FEATURE_COUNT = 1024

export interface ListingTextInput {
  title: string
  description?: string
  subcategory?: string
}

/**
 * Returns the feature vector of one listing: log(1 + count) per hashed column, scaled to unit
 * length so that a long description does not outweigh a short title.
 */
export function triageFeatures (listing: ListingTextInput): Float32Array {
  const counts = new Float64Array(TRIAGE_FEATURE_COUNT)
  const add = (token: string, weight = 1): void => { counts[hashToken(token)]! += weight }

  const title = listing.title.toLowerCase()
  for (const word of words(title)) add(`t:${word}`, 2)
  const padded = ` ${title.replace(/\s+/g, ' ')} `
  for (let i = 0; i + 3 <= padded.length; i++) add(`c:${padded.slice(i, i + 3)}`)
  for (const word of words((listing.description ?? '').toLowerCase())) add(`d:${word}`)
  if (listing.subcategory !== undefined) add(`s:${listing.subcategory.trim().toLowerCase()}`, 2)

  let norm = 0
  for (let i = 0; i < counts.length; i++) {
    counts[i] = Math.log1p(counts[i]!)
    norm += counts[i]! * counts[i]!
  }
  const vector = new Float32Array(TRIAGE_FEATURE_COUNT)
  if (norm === 0) return vector
  const scale = 1 / Math.sqrt(norm)
  for (let i = 0; i < counts.length; i++) vector[i] = counts[i]! * scale
  return vector
}

function words (text: string): string[] {
  // Digits are kept, because calibres ("9mm", ".45") and quantities separate the classes.
  return text.match(/[\p{L}\p{N}.]+/gu)?.map(word => word.replace(/^\.+|\.+$/g, '')).filter(word => word.length > 0) ?? []
}

/** 32-bit FNV-1a hash of the UTF-16 code units, reduced to a column index. */
function hashToken (token: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < token.length; i++) {
    hash ^= token.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0) % TRIAGE_FEATURE_COUNT
}
