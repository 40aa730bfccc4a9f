import t from 'tap'
import { CONTEXT_URL } from '../src/constants.ts'
import { documentLoader, expandRecord } from '../src/context.ts'
import { firearmRecord } from './fixtures.ts'

// The shipped context is cached after the first expansion, so each check runs after a record
// has already been expanded, to show the cache does not let later records skip a check.
t.before(async () => { await expandRecord(firearmRecord()) })

t.test('expansion gives same full IRIs each time', async t => {
  const first = await expandRecord(firearmRecord())
  const again = await expandRecord(firearmRecord())
  t.same(again, first)
  const node = first[0] as Record<string, unknown>
  t.ok(Object.keys(node).some(key => key.startsWith('https://') || key.startsWith('urn:')), 'terms are expanded to IRIs')
})

t.test('cached context rejects safe-mode drops', async t => {
  await t.rejects(expandRecord({ ...firearmRecord(), id: 'not an iri' }), { code: 'ERR_RECORD_JSONLD_INVALID', message: /Safe mode/ })
  await t.rejects(expandRecord({ ...firearmRecord(), '@foo': 'x' }), { code: 'ERR_RECORD_JSONLD_INVALID', message: /Safe mode/ })
})

t.test('cached context rejects redefined term', async t => {
  const record = { ...firearmRecord(), '@context': [CONTEXT_URL, { make: 'https://example.org/make' }] }
  await t.rejects(expandRecord(record), { code: 'ERR_RECORD_JSONLD_INVALID', message: /protected term/ })
})

t.test('unshipped context URL is rejected', async t => {
  await t.rejects(expandRecord({ ...firearmRecord(), '@context': 'https://schema.org/' }), { code: 'ERR_RECORD_JSONLD_INVALID' })
})

t.test('document loader returns a static copy', async t => {
  const a = await documentLoader(CONTEXT_URL)
  const b = await documentLoader(CONTEXT_URL)
  t.not(a.document, b.document)
  t.same(a.document, b.document)
  t.equal(a.tag, 'static')
})
