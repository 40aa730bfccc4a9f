import t from 'tap'
import { validateRecord } from '../src/validate.ts'
import { firearmRecord } from './fixtures.ts'

t.test('accepts a complete record', async t => {
  t.equal(validateRecord(firearmRecord()).id, 'urn:nfp:se:firearm:test-1')
})

t.test('rejects an unknown field by name', async t => {
  t.throws(() => validateRecord({ ...firearmRecord(), colour: 'black' }), { code: 'ERR_RECORD_INVALID', field: 'colour', message: /unknown field `colour`/ })
})

t.test('rejects an unknown nested field', async t => {
  const record = firearmRecord()
  t.throws(() => validateRecord({ ...record, grading: { ...record.grading, note: 'x' } }), { code: 'ERR_RECORD_INVALID', field: 'grading.note' })
})

t.test('rejects invalid values by field', async t => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ handlingCode: 'H4' }, 'handlingCode'],
    [{ grading: { sourceReliability: 'D', informationAccuracy: 1 } }, 'grading.sourceReliability'],
    [{ reviewBy: '2029-02-30' }, 'reviewBy'],
    [{ id: 'urn:nfp:SE:firearm:x' }, 'id'],
    [{ provenance: { jurisdiction: 'se', agency: 'a', created: '2026-01-05T10:00:00Z', modified: '2026-01-05T10:00:00Z' } }, 'provenance.jurisdiction']
  ]
  for (const [override, field] of cases) {
    t.throws(() => validateRecord({ ...firearmRecord(), ...override }), { code: 'ERR_RECORD_INVALID', field }, field)
  }
})

t.test('rejects a missing required field', async t => {
  const { legalBasis: _, ...rest } = firearmRecord()
  t.throws(() => validateRecord(rest), { code: 'ERR_RECORD_INVALID', field: 'legalBasis', message: /missing required field/ })
})

t.test('rejects an unknown record type', async t => {
  t.throws(() => validateRecord({ ...firearmRecord(), type: 'Tank' }), { code: 'ERR_RECORD_INVALID', field: 'type' })
})

t.test('requires a data-subject category for persons', async t => {
  const person = { ...firearmRecord(), id: 'urn:nfp:se:person:p1', type: 'Person', familyName: 'Berg' }
  for (const f of ['make', 'model', 'calibre', 'firearmKind']) delete (person as Record<string, unknown>)[f]
  t.throws(() => validateRecord(person), { code: 'ERR_RECORD_INVALID', field: 'subjectCategory' })
  t.equal(validateRecord({ ...person, subjectCategory: 'witness' }).type, 'Person')
})

t.test('does not modify the record it rejects', async t => {
  const record = { ...firearmRecord(), colour: 'black' }
  const before = JSON.stringify(record)
  t.throws(() => validateRecord(record))
  t.equal(JSON.stringify(record), before)
})

t.test('id must name the record jurisdiction', async t => {
  const record = firearmRecord({ id: 'urn:nfp:de:firearm:test-1' })
  t.throws(() => validateRecord(record), { code: 'ERR_RECORD_INVALID', field: 'id', message: /names jurisdiction `de`/ })
})

t.test('id must name the record type', async t => {
  const record = firearmRecord({ id: 'urn:nfp:se:person:test-1' })
  t.throws(() => validateRecord(record), { code: 'ERR_RECORD_INVALID', field: 'id', message: /names type `person`/ })
})

t.test('another context is a JSON-LD error', async t => {
  t.throws(() => validateRecord({ ...firearmRecord(), '@context': 'https://schema.org/' }), { code: 'ERR_RECORD_JSONLD_INVALID', field: '@context' })
  const { '@context': _, ...rest } = firearmRecord()
  t.throws(() => validateRecord(rest), { code: 'ERR_RECORD_JSONLD_INVALID', field: '@context' })
})
