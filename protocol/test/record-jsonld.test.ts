import t from 'tap'
import { CONTEXT_URL } from '../src/constants.ts'
import { expandRecord } from '../src/context.ts'
import { checkRecordJsonLd } from '../src/record-jsonld.ts'
import { firearmRecord } from './fixtures.ts'

/** Runs a check and returns 'ok', or the code of the error it threw. */
async function outcome (check: () => Promise<unknown>): Promise<string> {
  try {
    await check()
    return 'ok'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

const base = (): Record<string, unknown> => ({ ...firearmRecord(), linkedRecords: ['urn:nfp:se:person:p-1'], offeredIn: 'urn:nfp:se:weblisting:w-1', quantity: 2 })

// Each variant differs from the base in one place. After the base shape is remembered, the
// cached check must reach the same outcome as a full expansion, for valid and invalid records.
const variants: Array<[string, (r: Record<string, unknown>) => void]> = [
  ['other literal text', r => { r.make = 'http://example.org/not-an-iri-here' }],
  ['literal that looks like a blank node', r => { r.model = '_:b0' }],
  ['literal that looks like a keyword', r => { r.calibre = '@id' }],
  ['relative IRI under an @id term', r => { r.offeredIn = 'not an iri' }],
  ['relative IRI in an @id set', r => { r.linkedRecords = ['urn:nfp:se:person:p-1', 'not an iri'] }],
  ['other absolute IRI under an @id term', r => { r.offeredIn = 'urn:nfp:se:weblisting:w-2' }],
  ['id that is not an IRI', r => { r.id = 'not an iri' }],
  ['other absolute id', r => { r.id = 'urn:nfp:se:firearm:other' }],
  ['id with a space', r => { r.id = 'urn:nfp:se:firearm:a b' }],
  ['id with a context prefix as scheme', r => { r.id = 'cf:thing' }],
  ['IRI term with a context prefix as scheme', r => { r.offeredIn = 'xsd:string' }],
  ['unknown type', r => { r.type = 'Gun' }],
  ['value object with a bad IRI', r => { r.make = { '@id': 'not an iri' } }],
  ['value object with a bad language', r => { r.make = { '@value': 'x', '@language': 'not a language tag' } }],
  ['unknown keyword', r => { r['@foo'] = 'x' }],
  ['nested context redefining a term', r => { r.provenance = { ...(r.provenance as object), '@context': { agency: 'https://example.org/agency' } } }],
  ['nested context adding a term', r => { r.provenance = { ...(r.provenance as object), '@context': { extra: { '@id': 'cf:extra', '@type': '@id' } }, extra: 'not an iri' } }],
  ['other top-level context', r => { r['@context'] = [CONTEXT_URL, { extra: { '@id': 'cf:extra', '@type': '@id' } }]; r.extra = 'not an iri' }],
  ['number instead of a string', r => { r.quantity = 2.5 }],
  ['string under an integer term', r => { r.quantity = 'two' }],
  ['null value', r => { r.make = null }]
]

t.test('cached check agrees with full expansion', async t => {
  t.equal(await outcome(async () => await checkRecordJsonLd(base())), 'ok', 'the base record expands')
  let failing = 0
  for (const [name, change] of variants) {
    const record = base()
    change(record)
    const expected = await outcome(async () => await expandRecord(structuredClone(record)))
    if (expected !== 'ok') failing++
    // Twice: the second call may find the shape the first remembered.
    t.equal(await outcome(async () => await checkRecordJsonLd(structuredClone(record))), expected, `${name}: first check`)
    t.equal(await outcome(async () => await checkRecordJsonLd(structuredClone(record))), expected, `${name}: second check`)
  }
  t.ok(failing >= 6, `at least 6 variants are invalid JSON-LD (got ${failing})`)
})

t.test('cached check rejects a bad id after a good one', async t => {
  await checkRecordJsonLd({ ...base(), id: 'urn:nfp:se:firearm:good-id' })
  await t.rejects(checkRecordJsonLd({ ...base(), id: 'not an iri' }), { code: 'ERR_RECORD_JSONLD_INVALID' })
  await t.rejects(checkRecordJsonLd({ ...base(), type: 'Gun' }), { code: 'ERR_RECORD_JSONLD_INVALID' })
})
