import t from 'tap'
import { readFileSync } from 'node:fs'
import { blindInput, blindInputs, deriveOprfKey, evaluateBlinded, evaluateDirect, finalizeOutput, generateOprfKey } from '../src/oprf.ts'
import { HitElementInvalidError } from '../src/errors.ts'

interface OprfVectors {
  seed: string
  keyInfo: string
  skSm: string
  vectors: Array<{ input: string, blind: string, blindedElement: string, evaluationElement: string, output: string }>
}

const file = new URL('../../conformance/vectors/oprf/rfc9497-ristretto255-sha512.json', import.meta.url)
const vectors = JSON.parse(readFileSync(file, 'utf8')) as OprfVectors
const hex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

t.test('oprf key derivation matches RFC 9497', async t => {
  t.equal(toHex(deriveOprfKey(hex(vectors.seed), hex(vectors.keyInfo))), vectors.skSm)
})

t.test('oprf round matches RFC 9497 vectors', async t => {
  const key = hex(vectors.skSm)
  for (const vector of vectors.vectors) {
    const input = hex(vector.input)
    const { blind, blinded } = blindInput(input, hex(vector.blind))
    t.equal(toHex(blind), vector.blind, `blind of input ${vector.input}`)
    t.equal(toHex(blinded), vector.blindedElement, `blinded element of input ${vector.input}`)
    const evaluated = evaluateBlinded(key, blinded)
    t.equal(toHex(evaluated), vector.evaluationElement, `evaluation of input ${vector.input}`)
    t.equal(toHex(finalizeOutput(input, blind, evaluated)), vector.output, `output of input ${vector.input}`)
    t.equal(toHex(evaluateDirect(key, input)), vector.output, `direct evaluation of input ${vector.input}`)
  }
})

t.test('oprf output is independent of the blind', async t => {
  const key = generateOprfKey()
  const input = new TextEncoder().encode('firearm-serial\u0000GLOCK\u0000ABC123')
  const first = blindInput(input)
  const second = blindInput(input)
  t.not(toHex(first.blinded), toHex(second.blinded), 'two blindings of one input look unrelated')
  const a = finalizeOutput(input, first.blind, evaluateBlinded(key, first.blinded))
  const b = finalizeOutput(input, second.blind, evaluateBlinded(key, second.blinded))
  t.equal(toHex(a), toHex(b))
  t.equal(toHex(a), toHex(evaluateDirect(key, input)))
})

t.test('oprf evaluation rejects invalid elements', async t => {
  const key = generateOprfKey()
  t.throws(() => evaluateBlinded(key, new Uint8Array(31)), HitElementInvalidError)
  t.throws(() => evaluateBlinded(key, new Uint8Array(32)), { code: 'ERR_HIT_ELEMENT_INVALID' }, 'identity element')
  t.throws(() => evaluateBlinded(key, new Uint8Array(32).fill(0xff)), { code: 'ERR_HIT_ELEMENT_INVALID' }, 'non-canonical encoding')
})

t.test('oprf blinds per responder', async t => {
  const key = generateOprfKey()
  const input = new TextEncoder().encode('online-handle\u0000agora:cheapgunz')
  const blindings = blindInputs(input, 3)
  t.equal(new Set(blindings.map(b => toHex(b.blinded))).size, 3, 'each responder sees another blinded element')
  for (const { blind, blinded } of blindings) {
    t.equal(toHex(finalizeOutput(input, blind, evaluateBlinded(key, blinded))), toHex(evaluateDirect(key, input)))
  }
})
