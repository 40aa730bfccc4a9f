/**
 * The oblivious pseudorandom function of the hit/no-hit protocol: RFC 9497 in OPRF mode
 * (mode 0x00) over ristretto255 with SHA-512. Group operations use libsodium (WebAssembly,
 * `libsodium-wrappers-sumo` 0.8), because it measured about 30 times faster per scalar
 * multiplication than `@noble/curves` 2.4 on the project's build machine. expand_message_xmd
 * and key derivation come from `@noble/curves`. The conformance vectors in
 * `conformance/vectors/oprf/` check this module against the RFC.
 */
import { expand_message_xmd } from '@noble/curves/abstract/hash-to-curve.js'
import { ristretto255_oprf } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import sodium from 'libsodium-wrappers-sumo'
import { HitElementInvalidError } from './errors.ts'

await sodium.ready

/** RFC 9497 identifier of the suite; SPEC.md section 10 names it in every message. */
export const OPRF_SUITE = 'ristretto255-SHA512'

/** Bytes of a serialised ristretto255 element or scalar. */
export const OPRF_ELEMENT_BYTES = 32

/** Bytes of an OPRF output (the SHA-512 digest of RFC 9497 Finalize). */
export const OPRF_OUTPUT_BYTES = 64

const encoder = new TextEncoder()
// RFC 9497 section 3.1: "OPRFV1-", the mode byte 0x00, "-" and the suite identifier.
const CONTEXT = new Uint8Array([...encoder.encode('OPRFV1-'), 0x00, ...encoder.encode(`-${OPRF_SUITE}`)])
const HASH_TO_GROUP_DST = new Uint8Array([...encoder.encode('HashToGroup-'), ...CONTEXT])
const FINALIZE_LABEL = encoder.encode('Finalize')

/** Generates a responder's secret key for one identifier type: a random non-zero scalar, 32 bytes little-endian. */
export function generateOprfKey (): Uint8Array {
  return randomScalar()
}

/** Derives a key from a 32-byte seed as RFC 9497 section 3.2.1 does; only tests and vectors need it. */
export function deriveOprfKey (seed: Uint8Array, keyInfo: Uint8Array): Uint8Array {
  return ristretto255_oprf.oprf.deriveKeyPair(seed, keyInfo).secretKey
}

/**
 * Blinds an input on the querying side. The caller keeps `blind` secret and sends only
 * `blinded`. `fixedBlind` replaces the random blind for test vectors only.
 */
export function blindInput (input: Uint8Array, fixedBlind?: Uint8Array): { blind: Uint8Array, blinded: Uint8Array } {
  const blind = fixedBlind ?? randomScalar()
  return { blind, blinded: multiply(blind, hashToGroup(input), 'input element') }
}

/**
 * Blinds one input for `count` responders: HashToGroup once, then a fresh blind for each, so
 * that no two responders see the same blinded element.
 */
export function blindInputs (input: Uint8Array, count: number): Array<{ blind: Uint8Array, blinded: Uint8Array }> {
  const element = hashToGroup(input)
  return Array.from({ length: count }, () => {
    const blind = randomScalar()
    return { blind, blinded: multiply(blind, element, 'input element') }
  })
}

/**
 * Evaluates a blinded element with the responder's key.
 *
 * @throws HitElementInvalidError when `blinded` is not a canonical ristretto255 encoding or is
 *   the identity element, which RFC 9497 section 3.3 requires receivers to reject.
 */
export function evaluateBlinded (secretKey: Uint8Array, blinded: Uint8Array): Uint8Array {
  checkLength(blinded, 'blinded element')
  return multiply(secretKey, blinded, 'blinded element')
}

/**
 * Unblinds the responder's evaluation and hashes it into the 64-byte OPRF output.
 *
 * @throws HitElementInvalidError when `evaluated` is not a valid element.
 */
export function finalizeOutput (input: Uint8Array, blind: Uint8Array, evaluated: Uint8Array): Uint8Array {
  checkLength(evaluated, 'evaluated element')
  const unblinded = multiply(sodium.crypto_core_ristretto255_scalar_invert(blind), evaluated, 'evaluated element')
  return hashOutput(input, unblinded)
}

/** Computes the OPRF output directly with the key (RFC 9497 Evaluate); the responder uses it to build its index. */
export function evaluateDirect (secretKey: Uint8Array, input: Uint8Array): Uint8Array {
  return hashOutput(input, multiply(secretKey, hashToGroup(input), 'input element'))
}

/** RFC 9497 HashToGroup: hash_to_ristretto255 of RFC 9380 with expand_message_xmd and SHA-512. */
function hashToGroup (input: Uint8Array): Uint8Array {
  return sodium.crypto_core_ristretto255_from_hash(expand_message_xmd(input, HASH_TO_GROUP_DST, 64, sha512))
}

/** Multiplies an element by a scalar; libsodium rejects a non-canonical element and an identity result. */
function multiply (scalar: Uint8Array, element: Uint8Array, what: string): Uint8Array {
  try {
    return sodium.crypto_scalarmult_ristretto255(scalar, element)
  } catch (err) {
    throw new HitElementInvalidError(`${what} is not a valid ristretto255 encoding or is the identity element`, { cause: err })
  }
}

function hashOutput (input: Uint8Array, unblinded: Uint8Array): Uint8Array {
  const message = new Uint8Array(2 + input.length + 2 + unblinded.length + FINALIZE_LABEL.length)
  const view = new DataView(message.buffer)
  view.setUint16(0, input.length)
  message.set(input, 2)
  view.setUint16(2 + input.length, unblinded.length)
  message.set(unblinded, 4 + input.length)
  message.set(FINALIZE_LABEL, 4 + input.length + unblinded.length)
  return sha512(message)
}

function randomScalar (): Uint8Array {
  for (;;) {
    const scalar = sodium.crypto_core_ristretto255_scalar_random()
    if (scalar.some(byte => byte !== 0)) return scalar
  }
}

function checkLength (element: Uint8Array, what: string): void {
  if (element.length !== OPRF_ELEMENT_BYTES) {
    throw new HitElementInvalidError(`${what} has ${element.length} bytes; a ristretto255 element has ${OPRF_ELEMENT_BYTES}`)
  }
}
