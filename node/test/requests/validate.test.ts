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
