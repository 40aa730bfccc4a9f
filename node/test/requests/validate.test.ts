import t from 'tap'
import { validateRequestContent } from '../../src/requests/validate.ts'
import { completeRequest } from './helpers.ts'

function codeAndField (input: unknown, languages = ['en']): { code?: string, field?: string, message?: string } {
  try {
    validateRequestContent(input, languages)
    return {}
  } catch (err) {
    return err as { code: string, field: string, message: string }
  }
}

t.test('complete request passes validation', async t => {
  t.same(codeAndField(completeRequest()), {})
})

t.test('each missing element is named', async t => {
  const cases: Array<[string, (r: Record<string, any>) => void, RegExp]> = [
    ['informationSought', r => { delete r.informationSought }, /Art\. 4\(5\)\(a\)/],
    ['informationSought.description', r => { r.informationSought = { ids: ['x'] } }, /Art\. 4\(5\)\(a\)/],
    ['purpose', r => { delete r.purpose }, /Art\. 4\(5\)\(b\)/],
    ['purpose.facts', r => { r.purpose = { ...r.purpose, facts: ' ' } }, /Art\. 4\(5\)\(b\)/],
    ['purpose.offence', r => { r.purpose = { ...r.purpose, offence: undefined } }, /Art\. 4\(5\)\(b\)/],
    ['availabilityReasons', r => { delete r.availabilityReasons }, /Art\. 4\(3\)\(b\) and 4\(5\)\(c\)/],
    ['personLink', r => { r.persons = ['J. Doe'] }, /Art\. 4\(5\)\(d\)/],
    ['urgency', r => { delete r.urgency }, /Art\. 4\(4\)/],
    ['urgency.ground', r => { r.urgency = { urgent: true, reasons: 'imminent sale' } }, /Art\. 4\(4\)/],
    ['urgency.reasons', r => { r.urgency = { urgent: true, ground: 'LOSS_OF_RELEVANCE' } }, /Art\. 4\(4\)/],
    ['useRestrictions', r => { delete r.useRestrictions }, /Art\. 4\(5\)\(f\)/],
    ['language', r => { delete r.language }, /Art\. 4\(6\)/],
    ['europolCopy', r => { delete r.europolCopy }, /Art\. 12/]
  ]
  for (const [field, change, article] of cases) {
    const request = completeRequest()
    change(request)
    const err = codeAndField(request)
    t.equal(err.code, 'ERR_REQUEST_INVALID', `${field}: code`)
    t.equal(err.field, field, `${field}: field`)
    t.match(err.message, article, `${field}: article`)
  }
})

t.test('language must be notified', async t => {
  const err = codeAndField(completeRequest({ language: 'fr' }), ['de', 'en'])
  t.equal(err.code, 'ERR_REQUEST_INVALID')
  t.equal(err.field, 'language')
  t.match(err.message, /de, en/)
})

t.test('urgent request with ground passes', async t => {
  t.same(codeAndField(completeRequest({ urgency: { urgent: true, ground: 'LIFE_OR_PHYSICAL_INTEGRITY', reasons: 'A threat to kill was made.' } })), {})
})

t.test('unknown members are rejected', async t => {
  const cases: Array<[string, (r: Record<string, any>) => void]> = [
    ['extra', r => { r.extra = 'forwarded?' }],
    ['informationSought.note', r => { r.informationSought = { ...r.informationSought, note: 'x' } }],
    ['purpose.secret', r => { r.purpose = { ...r.purpose, secret: 'x' } }],
    ['urgency.level', r => { r.urgency = { ...r.urgency, level: 3 } }],
    ['europolCopy.to', r => { r.europolCopy = { ...r.europolCopy, to: 'x' } }],
    ['content', r => { r['a b'] = 'x' }]
  ]
  for (const [field, change] of cases) {
    const request = completeRequest()
    change(request)
    const err = codeAndField(request)
    t.equal(err.code, 'ERR_REQUEST_INVALID', `${field}: code`)
    t.equal(err.field, field, `${field}: field`)
  }
})

t.test('ids must be record ids', async t => {
  for (const id of ['x', 'x'.repeat(100_000), 'urn:nfp:fr:firearm:', 'urn:nfp:FR:firearm:p1']) {
    const err = codeAndField(completeRequest({ informationSought: { description: 'Pistol', ids: [id] } }))
    t.equal(err.code, 'ERR_REQUEST_INVALID', `${id.slice(0, 30)}: code`)
    t.match(err.field, /^informationSought\.ids/, `${id.slice(0, 30)}: field`)
    t.ok((err.message ?? '').length < 300, `${id.slice(0, 30)}: the message does not quote the id`)
  }
  t.same(codeAndField(completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:pistol-1'] } })), {})
})

t.test('sizes and types are limited', async t => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['informationSought.ids', { informationSought: { description: 'Pistols', ids: Array.from({ length: 101 }, (_, i) => `urn:nfp:fr:firearm:p${i}`) } }],
    ['informationSought.types.0', { informationSought: { description: 'Pistols', types: ['Pistol'] } }],
    ['informationSought.fields', { informationSought: { description: 'Pistols', fields: { 'serial number': 'x' } } }],
    ['purpose.facts', { purpose: { description: 'd', facts: 'f'.repeat(10_001), offence: 'o' } }],
    ['persons', { persons: Array.from({ length: 51 }, (_, i) => `Person ${i}`), personLink: 'linked' }]
  ]
  for (const [field, overrides] of cases) {
    const err = codeAndField(completeRequest(overrides))
    t.equal(err.code, 'ERR_REQUEST_INVALID', `${field}: code`)
    t.equal(err.field, field, `${field}: field`)
  }
})
