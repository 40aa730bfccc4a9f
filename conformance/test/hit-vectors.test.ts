import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { IDENTIFIER_TYPES, blindInput, evaluateBlinded, finalizeOutput, normaliseIdentifier, oprfInputOf } from '../../protocol/src/index.ts'
import type { IdentifierInput } from '../../protocol/src/index.ts'

// The suite queries a node with the protocol library (conformance/src/tests/hits.ts), so these
// checks tie the library to the published vectors that another implementation is tested with.

const NORMALISATION = fileURLToPath(new URL('../vectors/normalisation/', import.meta.url))
const OPRF = new URL('../vectors/oprf/rfc9497-ristretto255-sha512.json', import.meta.url)

interface NormalisationFile {
  type: string
  description: string
  cases: Array<{ name: string, input: IdentifierInput, normalised?: string, error?: string }>
}

const hex = (value: string): Uint8Array => Uint8Array.from(Buffer.from(value, 'hex'))
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

t.test('normalisation vectors cover every identifier type', async t => {
  const files = readdirSync(NORMALISATION).filter(f => f.endsWith('.json')).map(f => f.slice(0, -'.json'.length)).sort()
  t.same(files, [...IDENTIFIER_TYPES].sort())
})

t.test('normalisation vectors match the protocol library', async t => {
  for (const file of readdirSync(NORMALISATION).filter(f => f.endsWith('.json')).sort()) {
    const vectors = JSON.parse(readFileSync(NORMALISATION + file, 'utf8')) as NormalisationFile
    t.ok(vectors.cases.some(c => c.normalised !== undefined), `${file} has a valid case`)
    t.ok(vectors.cases.some(c => c.error !== undefined), `${file} has an invalid case`)
    for (const c of vectors.cases) {
      t.equal(c.input.type, vectors.type, `${file} / ${c.name}: input type`)
      if (c.normalised !== undefined) {
        t.equal(normaliseIdentifier(c.input).normalised, c.normalised, `${file} / ${c.name}`)
      } else {
        t.throws(() => normaliseIdentifier(c.input), { code: c.error }, `${file} / ${c.name}`)
      }
    }
  }
})

t.test('oprf input of the SPEC example', async t => {
  const input = oprfInputOf(normaliseIdentifier({ type: 'firearm-serial', serialNumber: 'АВС-123 456', make: 'Glock GmbH' }))
  t.equal(toHex(input), '6e66702d6869742d7631' + '00' + '6669726561726d2d73657269616c' + '00' + '474c4f434b3a413843313233343536')
})

t.test('oprf vectors match the querier and responder steps', async t => {
  const vectors = JSON.parse(readFileSync(OPRF, 'utf8')) as { skSm: string, vectors: Array<{ input: string, blind: string, blindedElement: string, evaluationElement: string, output: string }> }
  t.ok(vectors.vectors.length > 0, 'the file has vectors')
  for (const vector of vectors.vectors) {
    const input = hex(vector.input)
    const { blind, blinded } = blindInput(input, hex(vector.blind))
    t.equal(toHex(blinded), vector.blindedElement, `blinded element of input ${vector.input}`)
    const evaluated = evaluateBlinded(hex(vectors.skSm), blinded)
    t.equal(toHex(evaluated), vector.evaluationElement, `evaluated element of input ${vector.input}`)
    t.equal(toHex(finalizeOutput(input, blind, evaluated)), vector.output, `output of input ${vector.input}`)
  }
})
