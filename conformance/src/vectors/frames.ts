/** A frame vector file in `vectors/frames/`: one frame sent to a node and the error frame it must return. */
export interface FrameVector {
  id: string
  protocol: string
  section: string
  requirement: string
  description: string
  /**
   * The frame as JSON. Strings `$SENDER` (the test member), `$RECEIVER` (the node under test),
   * `$OTHER` (a jurisdiction that is neither), `$MESSAGE_ID` (a fresh UUID), `$NOW`, `$SEQ` (the
   * next sequence number), `$REQUEST_CONTENT` and `$REQUEST_CONTENT_WITHOUT_PURPOSE` are
   * replaced before sending.
   */
  frame?: unknown
  /** The frame body as text instead of JSON. */
  raw?: string
  /** The frame body as base64 bytes. */
  rawBase64?: string
  /** Send a JSON frame padded to this many bytes. */
  oversize?: number
  expect: { code: string, field?: string }
}

/** Replaces the placeholders of a frame vector. */
export function fillFrame (value: unknown, values: Record<string, unknown>): unknown {
  if (typeof value === 'string' && value.startsWith('$') && value in values) return values[value]
  if (Array.isArray(value)) return value.map(v => fillFrame(v, values))
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillFrame(v, values)]))
  return value
}

/** Encodes a frame vector as bytes, after filling its placeholders. */
export function frameBytes (vector: FrameVector, values: Record<string, unknown>): Uint8Array {
  if (vector.raw !== undefined) return new TextEncoder().encode(vector.raw)
  if (vector.rawBase64 !== undefined) return Buffer.from(vector.rawBase64, 'base64')
  if (vector.oversize !== undefined) {
    const head = JSON.stringify({ type: 'share', padding: '' })
    return new TextEncoder().encode(head.replace('""', `"${'x'.repeat(vector.oversize - head.length)}"`))
  }
  return new TextEncoder().encode(JSON.stringify(fillFrame(vector.frame, values)))
}
