/**
 * Values derived from an OPRF output in the hit/no-hit protocol (SPEC.md section 10.2): the
 * short filter tag a responder publishes, and the confirm token a querier sends only after its
 * tag is in the filter. Separate labels make the two unrelated to each other.
 */
import { sha256 } from '@noble/hashes/sha2.js'

/** Bytes of a filter tag. 40 bits give about one false positive per 10^6 queries at 10^6 entries. */
export const FILTER_TAG_BYTES = 5

/** Bytes of a confirm token. */
export const CONFIRM_TOKEN_BYTES = 32

const FILTER_LABEL = new TextEncoder().encode('nfp-hit-filter-v1')
const CONFIRM_LABEL = new TextEncoder().encode('nfp-hit-confirm-v1')

/** Derives the filter tag and the confirm token of one OPRF output. */
export function hitTokensOf (output: Uint8Array): { tag: Uint8Array, token: Uint8Array } {
  return {
    tag: sha256(concat(FILTER_LABEL, output)).subarray(0, FILTER_TAG_BYTES),
    token: sha256(concat(CONFIRM_LABEL, output))
  }
}

function concat (label: Uint8Array, output: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(label.length + output.length)
  bytes.set(label)
  bytes.set(output, label.length)
  return bytes
}
