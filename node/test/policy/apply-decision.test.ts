import t from 'tap'
import { validateRecord } from '../../../protocol/src/index.ts'
import { applyDecision, evaluateOutbound } from '../../src/policy/index.ts'
import { CONTEXT, PERMIT_ALL, moduleOf, person, rule, seizure } from './helpers.ts'

t.test('removed fields leave the copy', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['dateOfBirth', 'address'] })])
  const record = person()
  const copy = applyDecision(record, evaluateOutbound(module, record, CONTEXT))
  t.equal(copy.dateOfBirth, undefined)
  t.equal(copy.address, undefined)
  t.same(copy.redactedFields, ['address', 'dateOfBirth'])
  t.equal(record.dateOfBirth, '1988-04-17', 'the original record is unchanged')
  t.doesNotThrow(() => validateRecord(copy))
  t.end()
})

t.test('withheld links leave the copy', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-LNK-01', 'redact', 'true', {
    appliesTo: ['Seizure'],
    withholdLinks: [{ field: 'persons', linkedTypes: ['Person'], when: "linked.subjectCategory == 'informant'" }]
  })])
  const informant = person({ id: 'urn:nfp:se:person:i-1', subjectCategory: 'informant' })
  const record = seizure({ persons: ['urn:nfp:se:person:i-1', 'urn:nfp:se:firearm:f-1'] })
  const decision = evaluateOutbound(module, record, { ...CONTEXT, linked: new Map([[informant.id as string, informant]]) })
  const copy = applyDecision(record, decision)
  t.same(copy.persons, ['urn:nfp:se:firearm:f-1'])
  t.equal(copy.redactedFields, undefined, 'no field was removed whole')
  t.end()
})

t.test('attached conditions tighten the copy', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-ATT-01', 'attach', 'true', { attach: { reviewWithinDays: 30, minimumHandlingCode: 'H2' } })])
  const copy = applyDecision(person(), evaluateOutbound(module, person(), CONTEXT))
  t.equal(copy.reviewBy, '2027-01-03')
  t.equal(copy.handlingCode, 'H2')
  t.end()
})

t.test('denied decision cannot be applied', t => {
  const module = moduleOf(t, [])
  t.throws(() => applyDecision(person(), evaluateOutbound(module, person(), CONTEXT)), { name: 'RangeError' })
  t.end()
})
