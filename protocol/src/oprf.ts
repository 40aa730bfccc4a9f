/**
 * The oblivious pseudorandom function of the hit/no-hit protocol: RFC 9497 in OPRF mode
 * (mode 0x00) over ristretto255 with SHA-512, as implemented by `@noble/curves` 2.4. The
 * conformance vectors in `conformance/vectors/oprf/` check this wrapper against the RFC.
 */
import { ristretto255_oprf } from '@noble/curves/ed25519.js'
import { HitElementInvalidError } from './errors.ts'

/** RFC 9497 identifier of the suite; SPEC.md section 10 names it in every message. */
export const OPRF_SUITE = 'ristretto255-SHA512'

/** Bytes of a serialised ristretto255 element or scalar. */
export const OPRF_ELEMENT_BYTES = 32

/** Bytes of an OPRF output (the SHA-512 digest of RFC 9497 Finalize). */
export const OPRF_OUTPUT_BYTES = 64

const suite = ristretto255_oprf.oprf

/** A responder's secret key for one identifier type. */
export function generateOprfKey (): Uint8Array {
  return suite.generateKeyPair().secretKey
}

/** Derives a key from a 32-byte seed as RFC 9497 section 3.2.1 does; only tests and vectors need it. */
export function deriveOprfKey (seed: Uint8Array, keyInfo: Uint8Array): Uint8Array {
  return suite.deriveKeyPair(seed, keyInfo).secretKey
}

/**
 * Blinds an input on the querying side. The caller keeps `blind` secret and sends only
 * `blinded`; `rng` replaces the random source for test vectors only.
 */
export function blindInput (input: Uint8Array, rng?: (bytes?: number) => Uint8Array<ArrayBuffer>): { blind: Uint8Array, blinded: Uint8Array } {
  return rng === undefined ? suite.blind(input) : suite.blind(input, rng)
}

/**
 * Evaluates a blinded element with the responder's key.
 *
 * @throws HitElementInvalidError when `blinded` is not a canonical ristretto255 encoding or is
 *   the identity element, which RFC 9497 section 3.3 requires receivers to reject.
 */
export function evaluateBlinded (secretKey: Uint8Array, blinded: Uint8Array): Uint8Array {
  if (blinded.length !== OPRF_ELEMENT_BYTES) {
    throw new HitElementInvalidError(`blinded element has ${blinded.length} bytes; a ristretto255 element has ${OPRF_ELEMENT_BYTES}`)
  }
  try {
    return suite.blindEvaluate(secretKey, blinded)
  } catch (err) {
    throw new HitElementInvalidError('blinded element is not a valid ristretto255 encoding or is the identity element', { cause: err })
  }
}

/**
 * Unblinds the responder's evaluation and hashes it into the 64-byte OPRF output.
 *
 * @throws HitElementInvalidError when `evaluated` is not a valid element.
 */
export function finalizeOutput (input: Uint8Array, blind: Uint8Array, evaluated: Uint8Array): Uint8Array {
  if (evaluated.length !== OPRF_ELEMENT_BYTES) {
    throw new HitElementInvalidError(`evaluated element has ${evaluated.length} bytes; a ristretto255 element has ${OPRF_ELEMENT_BYTES}`)
  }
  try {
    return suite.finalize(input, blind, evaluated)
  } catch (err) {
    throw new HitElementInvalidError('evaluated element is not a valid ristretto255 encoding or is the identity element', { cause: err })
  }
}

/** Computes the OPRF output directly with the key (RFC 9497 Evaluate); the responder uses it to build its index. */
export function evaluateDirect (secretKey: Uint8Array, input: Uint8Array): Uint8Array {
  return unkeyedSuite.evaluate(secretKey, input)
}

// noble 2.4 implements Evaluate for OPRF mode but leaves it out of the type of `oprf`; the
// RFC vectors in the tests check that it returns the same output as blind-evaluate-finalize.
const unkeyedSuite = suite as unknown as { evaluate: (secretKey: Uint8Array, input: Uint8Array) => Uint8Array }
