import t from 'tap'
import { RECORD_TYPES, validateRecord } from '../../../protocol/src/index.ts'
import { generateCases } from '../../src/policy/generate.ts'
import { loadPolicyModule } from '../../src/policy/index.ts'
import { NOW, PERMIT_ALL, POLICIES, moduleOf, rule } from './helpers.ts'

t.test('sample records match their schemas', t => {
  const cases = generateCases([loadPolicyModule(POLICIES, 'eu')], { self: 'SE', counterparts: ['DE'], sections: ['outbound'], now: NOW })
  const samples = cases.filter(generated => generated.label === 'sample record')
  t.equal(samples.length, RECORD_TYPES.length, 'one sample record per record type')
  for (const sample of samples) t.doesNotThrow(() => validateRecord(sample.record), String(sample.record.type))
  t.end()
})

t.test('values flip each comparison', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-PD-01', 'deny', "record.subjectCategory in ['witness', 'victim'] && recipient.jurisdiction != 'NL'", { appliesTo: ['Person'] })])
  const cases = generateCases([module], { self: 'SE', counterparts: ['DE', 'NL'], sections: ['outbound'], now: NOW })
    .filter(generated => generated.record.type === 'Person')
  const categories = new Set(cases.map(generated => generated.record.subjectCategory))
  t.same([...categories].sort(), ['contact', 'convicted', 'informant', 'potential-offender', 'suspect', 'victim', 'witness'])
  t.same([...new Set(cases.map(generated => generated.counterpart))].sort(), ['DE', 'NL'])
  t.end()
})

t.test('dates land around today', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RET-01', 'deny', 'date(record.reviewBy) < date(now)')])
  const dates = new Set(generateCases([module], { self: 'SE', counterparts: ['DE'], sections: ['outbound'], now: NOW })
    .filter(generated => generated.record.type === 'Firearm')
    .map(generated => generated.record.reviewBy))
  for (const date of ['2026-12-03', '2026-12-04', '2026-12-05']) t.ok(dates.has(date), date)
  t.end()
})

t.test('optional fields are also left out', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-CON-01', 'deny', "has(record.onwardSharingConsent) && 'NL' in record.onwardSharingConsent")])
  const lists = generateCases([module], { self: 'SE', counterparts: ['DE'], sections: ['outbound'], now: NOW })
    .filter(generated => generated.record.type === 'Firearm')
    .map(generated => JSON.stringify(generated.record.onwardSharingConsent ?? null))
  t.ok(lists.includes('null'), 'a record without the list')
  t.ok(lists.includes('[]'), 'an empty list')
  t.ok(lists.includes('["NL"]'), 'the literal the rule looks for')
  t.end()
})

t.test('required fields tested by has', t => {
  const module = moduleOf(t, [], { inbound: [PERMIT_ALL, rule('XX-GRD-01', 'deny', '!has(record.grading)')] })
  const cases = generateCases([module], { self: 'SE', counterparts: ['DE'], sections: ['inbound'], now: NOW })
  const ungraded = cases.filter(generated => generated.record.grading === undefined)
  t.ok(ungraded.length > 0)
  t.ok(ungraded.every(generated => !generated.valid), 'such records are marked invalid')
  t.end()
})

t.test('linked records vary for links', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-LNK-01', 'redact', 'true', {
    appliesTo: ['Seizure'],
    withholdLinks: [{ field: 'persons', linkedTypes: ['Person'], when: "linked.subjectCategory == 'informant'" }]
  })])
  const cases = generateCases([module], { self: 'SE', counterparts: ['DE'], sections: ['outbound'], now: NOW }).filter(generated => generated.linked.size > 0)
  const categories = new Set([...cases[0]?.linked.values() ?? []].map(record => (record as Record<string, unknown>).subjectCategory))
  t.ok(categories.has('informant') && categories.has('witness'), 'linked persons of several categories')
  t.ok(cases.some(generated => (generated.record.persons as string[]).includes('urn:nfp:se:person:gen-missing')), 'a link to a record that is not available')
  t.end()
})

t.test('node never decides about itself', t => {
  const cases = generateCases([loadPolicyModule(POLICIES, 'eu')], { self: 'SE', counterparts: ['DE', 'NL'], now: NOW })
  t.ok(cases.every(generated => generated.self !== generated.counterpart))
  t.end()
})
