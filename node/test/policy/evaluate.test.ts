import t from 'tap'
import type { Test } from 'tap'
import { fileURLToPath } from 'node:url'
import { describeDecision, evaluateOutbound, loadPolicyModule } from '../../src/policy/index.ts'
import type { OutboundContext, PolicyModule } from '../../src/policy/index.ts'

const POLICIES = fileURLToPath(new URL('../../../policies/', import.meta.url))

const NOW = new Date('2026-12-04T10:00:00Z')
const CONTEXT: OutboundContext = { self: { jurisdiction: 'SE' }, recipient: { jurisdiction: 'DE' }, now: NOW }
const SOURCE = { act: 'Test Act', article: 'Art. 1', checked: true }

function rule (id: string, effect: string, when: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, title: `Test rule ${id}.`, source: SOURCE, when, effect, ...extra }
}

const PERMIT_ALL = rule('XX-ALL-01', 'permit', true)

/** Writes a module of the given rules into a fresh folder and loads it with the real loader. */
function moduleOf (t: Test, rules: unknown[]): PolicyModule {
  const directory = t.testdir({
    xx: { 'module.json': JSON.stringify({ jurisdiction: 'XX', name: 'test module', version: '2026-12-04.1', rules }) }
  })
  return loadPolicyModule(directory, 'xx')
}

function person (extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: 'urn:nfp:se:person:ps-1',
    type: 'Person',
    versionHash: 'sha256:' + '0'.repeat(64),
    provenance: { jurisdiction: 'SE', agency: 'Polisen', created: '2026-10-02T08:15:00Z', modified: '2026-10-03T09:40:00Z' },
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7(1)',
    reviewBy: '2029-10-02',
    subjectCategory: 'witness',
    familyName: 'Lindqvist',
    dateOfBirth: '1988-04-17',
    address: 'Storgatan 12, Malmo',
    ...extra
  }
}

t.test('module without permit denies by default', t => {
  const module = moduleOf(t, [rule('XX-RED-01', 'redact', true, { appliesTo: ['Person'], fields: ['dateOfBirth'] })])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.same(decision.reasons.map(reason => reason.ruleId), ['DEFAULT-DENY'])
  t.same(decision.removedFields, [])
  t.same(decision.errors, [])
  t.end()
})

t.test('empty module denies by default', t => {
  const decision = evaluateOutbound(moduleOf(t, []), person(), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.equal(decision.reasons[0]?.ruleId, 'DEFAULT-DENY')
  t.equal(decision.reasons[0]?.checked, false)
  t.end()
})

t.test('matching permit permits', t => {
  const decision = evaluateOutbound(moduleOf(t, [PERMIT_ALL]), person(), CONTEXT)
  t.equal(decision.effect, 'permit')
  t.same(decision.reasons.map(reason => reason.ruleId), ['XX-ALL-01'])
  t.same(decision.removedFields, [])
  t.end()
})

t.test('deny beats permit', t => {
  const module = moduleOf(t, [
    PERMIT_ALL,
    rule('XX-DENY-01', 'deny', { field: 'subjectCategory', equals: 'witness' }, { refusalGround: 'JEOPARDISE_INVESTIGATION_OR_SAFETY' }),
    rule('XX-RED-01', 'redact', true, { appliesTo: ['Person'], fields: ['dateOfBirth'] })
  ])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.same(decision.reasons.map(reason => reason.ruleId), ['XX-DENY-01'])
  t.equal(decision.reasons[0]?.refusalGround, 'JEOPARDISE_INVESTIGATION_OR_SAFETY')
  t.same(decision.removedFields, [], 'nothing is removed from a record that is not sent')
  t.end()
})

t.test('every matching deny is listed', t => {
  const module = moduleOf(t, [
    rule('XX-DENY-02', 'deny', { field: 'handlingCode', equals: 'H0' }),
    PERMIT_ALL,
    rule('XX-DENY-01', 'deny', true)
  ])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.same(decision.reasons.map(reason => reason.ruleId), ['XX-DENY-02', 'XX-DENY-01'], 'in module order')
  t.end()
})

t.test('redaction lists only present fields', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RED-01', 'redact', true, { appliesTo: ['Person'], fields: ['dateOfBirth', 'placeOfBirth', 'address'] })])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.equal(decision.effect, 'permit')
  t.same(decision.removedFields, ['dateOfBirth', 'address'])
  t.same(decision.reasons.map(reason => reason.ruleId), ['XX-ALL-01', 'XX-RED-01'])
  t.same(decision.reasons[1]?.fields, ['dateOfBirth', 'address'])
  t.equal(decision.reasons[1]?.effect, 'redact')
  t.end()
})

t.test('overlapping redactions remove once', t => {
  const module = moduleOf(t, [
    PERMIT_ALL,
    rule('XX-RED-01', 'redact', true, { appliesTo: ['Person'], fields: ['dateOfBirth', 'address'] }),
    rule('XX-RED-02', 'redact', true, { appliesTo: ['Person'], fields: ['address'] })
  ])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.same(decision.removedFields, ['dateOfBirth', 'address'])
  t.end()
})

t.test('redact rule that does not match', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RED-01', 'redact', { field: 'subjectCategory', equals: 'victim' }, { fields: ['dateOfBirth'], appliesTo: ['Person'] })])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.same(decision.removedFields, [])
  t.same(decision.reasons.map(reason => reason.ruleId), ['XX-ALL-01'])
  t.end()
})

t.test('appliesTo skips other types', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-DENY-01', 'deny', true, { appliesTo: ['Firearm'] })])
  t.equal(evaluateOutbound(module, person(), CONTEXT).effect, 'permit')
  t.end()
})

t.test('runtime type error counts as deny', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-H3-01', 'deny', { field: 'handlingCode', equals: 'H3' })])
  const decision = evaluateOutbound(module, person({ handlingCode: 3 }), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.equal(decision.errors.length, 1)
  t.equal(decision.errors[0]?.ruleId, 'XX-H3-01')
  t.match(decision.errors[0]?.message, /field "handlingCode" is the number 3, but the rule compares it with the string "H3"/)
  t.same(decision.reasons.map(reason => reason.ruleId), ['XX-H3-01'])
  t.equal(decision.reasons[0]?.effect, 'deny')
  t.equal(decision.reasons[0]?.error, decision.errors[0]?.message)
  t.end()
})

t.test('failing permit rule also denies', t => {
  const module = moduleOf(t, [rule('XX-ALL-01', 'permit', { field: 'subjectCategory', in: ['witness'] })])
  const decision = evaluateOutbound(module, person({ subjectCategory: ['witness'] }), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.equal(decision.reasons[0]?.ruleId, 'XX-ALL-01')
  t.equal(decision.reasons[0]?.effect, 'deny')
  t.match(decision.errors[0]?.message, /field "subjectCategory" must be a single value/)
  t.end()
})

t.test('contains on a non-list value', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-ONW-01', 'deny', { not: { field: 'onwardSharingConsent', contains: '$recipient.jurisdiction' } })])
  const decision = evaluateOutbound(module, person({ onwardSharingConsent: 'DE' }), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.match(decision.errors[0]?.message, /field "onwardSharingConsent" must be a list/)
  t.end()
})

t.test('path through a non-object value', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-ONW-01', 'deny', { field: 'provenance.jurisdiction', notEquals: '$self.jurisdiction' })])
  const decision = evaluateOutbound(module, person({ provenance: 'SE' }), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.match(decision.errors[0]?.message, /field "provenance" must be an object to read "provenance\.jurisdiction"/)
  t.end()
})

t.test('throwing getter is caught', t => {
  const record = person()
  Object.defineProperty(record, 'handlingCode', { enumerable: true, get () { throw new Error('storage read failed') } })
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-H3-01', 'deny', { field: 'handlingCode', equals: 'H3' })])
  const decision = evaluateOutbound(module, record, CONTEXT)
  t.equal(decision.effect, 'deny')
  t.same(decision.errors, [{ ruleId: 'XX-H3-01', message: 'storage read failed' }])
  t.end()
})

t.test('missing field makes comparisons false', t => {
  const module = moduleOf(t, [
    PERMIT_ALL,
    rule('XX-EQ-01', 'deny', { field: 'givenName', equals: 'Erik' }),
    rule('XX-NE-01', 'deny', { field: 'givenName', notEquals: 'Erik' }),
    rule('XX-IN-01', 'deny', { field: 'sex', in: ['male', 'female'] }),
    rule('XX-CO-01', 'deny', { field: 'nationality', contains: 'SE' }),
    rule('XX-EX-01', 'deny', { field: 'placeOfBirth', exists: true })
  ])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.equal(decision.effect, 'permit')
  t.same(decision.errors, [])
  t.end()
})

t.test('negated contains on missing list', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-ONW-01', 'deny', { not: { field: 'onwardSharingConsent', contains: '$recipient.jurisdiction' } })])
  t.equal(evaluateOutbound(module, person(), CONTEXT).effect, 'deny', 'no consent list')
  t.equal(evaluateOutbound(module, person({ onwardSharingConsent: ['FR'] }), CONTEXT).effect, 'deny', 'recipient not listed')
  t.equal(evaluateOutbound(module, person({ onwardSharingConsent: ['FR', 'DE'] }), CONTEXT).effect, 'permit', 'recipient listed')
  t.end()
})

t.test('exists false matches missing field', t => {
  const module = moduleOf(t, [rule('XX-ALL-01', 'permit', { field: 'givenName', exists: false })])
  t.equal(evaluateOutbound(module, person(), CONTEXT).effect, 'permit', 'field missing')
  t.equal(evaluateOutbound(module, person({ givenName: 'Erik' }), CONTEXT).effect, 'deny', 'field present')
  t.end()
})

t.test('any and all combine conditions', t => {
  const module = moduleOf(t, [rule('XX-ALL-01', 'permit', {
    all: [
      { field: 'provenance.jurisdiction', equals: '$self.jurisdiction' },
      { any: [{ field: 'handlingCode', equals: 'H1' }, { field: 'grading.sourceReliability', in: ['A', 'B'] }] }
    ]
  })])
  t.equal(evaluateOutbound(module, person(), CONTEXT).effect, 'permit', 'both parts match')
  t.equal(evaluateOutbound(module, person({ grading: { sourceReliability: 'C', informationAccuracy: 3 } }), CONTEXT).effect, 'deny', 'no any branch matches')
  const other = { ...CONTEXT, self: { jurisdiction: 'NL' } }
  t.equal(evaluateOutbound(module, person(), other).effect, 'deny', 'other sender')
  t.end()
})

t.test('before compares dates', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RET-01', 'deny', { field: 'reviewBy', before: '$now.date' })])
  t.equal(evaluateOutbound(module, person({ reviewBy: '2026-12-03' }), CONTEXT).effect, 'deny', 'yesterday')
  t.equal(evaluateOutbound(module, person({ reviewBy: '2026-12-04' }), CONTEXT).effect, 'permit', 'today')
  t.end()
})

t.test('today is taken in UTC', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RET-01', 'deny', { field: 'reviewBy', before: '$now.date' })])
  const lateEvening = { ...CONTEXT, now: new Date('2026-12-04T23:30:00-02:00') }
  t.equal(evaluateOutbound(module, person({ reviewBy: '2026-12-04' }), lateEvening).effect, 'deny', 'already 5 December in UTC')
  t.end()
})

t.test('before compares date-times as instants', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-NEW-01', 'deny', { not: { field: 'provenance.modified', before: '$now.dateTime' } })])
  const earlier = person({ provenance: { jurisdiction: 'SE', agency: 'Polisen', created: '2026-12-04T09:00:00Z', modified: '2026-12-04T11:30:00+02:00' } })
  const later = person({ provenance: { jurisdiction: 'SE', agency: 'Polisen', created: '2026-12-04T09:00:00Z', modified: '2026-12-04T10:30:00Z' } })
  t.equal(evaluateOutbound(module, earlier, CONTEXT).effect, 'permit', '09:30 UTC is before 10:00 UTC')
  t.equal(evaluateOutbound(module, later, CONTEXT).effect, 'deny', '10:30 UTC is not')
  t.end()
})

t.test('before with an invalid stored date', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RET-01', 'deny', { field: 'reviewBy', before: '2027-01-01' })])
  const decision = evaluateOutbound(module, person({ reviewBy: '4 December 2026' }), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.match(decision.errors[0]?.message, /field "reviewBy" must be a date \(YYYY-MM-DD\)/)
  t.end()
})

t.test('invalid record gives invalid input', t => {
  const module = moduleOf(t, [PERMIT_ALL])
  for (const [label, record] of [['array', []], ['null', null], ['string', 'record']] as const) {
    const decision = evaluateOutbound(module, record, CONTEXT)
    t.equal(decision.effect, 'deny', `${label} is denied`)
    t.same(decision.reasons.map(reason => reason.ruleId), ['INVALID-INPUT'], `${label} reason`)
    t.same(decision.errors, [{ ruleId: 'INVALID-INPUT', message: 'record must be a JSON object' }], `${label} error`)
  }
  t.end()
})

t.test('unknown record type gives invalid input', t => {
  const decision = evaluateOutbound(moduleOf(t, [PERMIT_ALL]), person({ type: 'Drone' }), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.match(decision.errors[0]?.message, /record type "Drone" is not one of Firearm/)
  t.end()
})

t.test('invalid context gives invalid input', t => {
  const module = moduleOf(t, [PERMIT_ALL])
  const lowerCase = evaluateOutbound(module, person(), { ...CONTEXT, recipient: { jurisdiction: 'de' } })
  t.equal(lowerCase.effect, 'deny')
  t.match(lowerCase.errors[0]?.message, /recipient jurisdiction must be an upper-case country code, got "de"/)

  const badDate = evaluateOutbound(module, person(), { ...CONTEXT, now: new Date('not a date') })
  t.equal(badDate.effect, 'deny')
  t.match(badDate.errors[0]?.message, /now must be a valid Date/)

  const noSelf = evaluateOutbound(module, person(), { ...CONTEXT, self: undefined } as unknown as OutboundContext)
  t.equal(noSelf.effect, 'deny')
  t.match(noSelf.errors[0]?.message, /self jurisdiction must be an upper-case country code, got null/)
  t.end()
})

t.test('decision names module and bases', t => {
  const decision = evaluateOutbound(loadPolicyModule(POLICIES, 'SE'), person(), CONTEXT)
  t.same(decision.module, { jurisdiction: 'SE', version: '2026-12-04.1', extends: [{ jurisdiction: 'EU', version: '2026-12-04.1' }] })
  t.end()
})

t.test('citation joins sources with marks', t => {
  const foreign = person({ provenance: { jurisdiction: 'NL', agency: 'Politie', created: '2026-10-02T08:15:00Z', modified: '2026-10-03T09:40:00Z' }, subjectCategory: 'suspect' })
  const decision = evaluateOutbound(loadPolicyModule(POLICIES, 'eu'), foreign, CONTEXT)
  t.equal(decision.effect, 'deny')
  t.equal(decision.reasons[0]?.ruleId, 'EU-ONW-01')
  t.equal(decision.reasons[0]?.citation,
    'Directive (EU) 2023/977 Art. 6(1)(h), Art. 3 [IED-42 / ONW-01] (checked); Regulation (EU) 2016/794 Art. 19, handling code H2 [HC-02] (checked)')
  t.equal(decision.reasons[0]?.checked, true)
  t.equal(decision.reasons[0]?.refusalGround, 'NO_ORIGINATOR_CONSENT')
  t.end()
})

t.test('one unchecked source clears checked', t => {
  const decision = evaluateOutbound(loadPolicyModule(POLICIES, 'eu'), person({ subjectCategory: 'informant' }), CONTEXT)
  t.equal(decision.reasons[0]?.ruleId, 'EU-PD-02')
  t.equal(decision.reasons[0]?.checked, false)
  t.end()
})

t.test('deny description names rule and citation', t => {
  const decision = evaluateOutbound(loadPolicyModule(POLICIES, 'eu'), person({ subjectCategory: 'informant' }), CONTEXT)
  t.equal(describeDecision(decision),
    'denied by EU-PD-02 (Directive (EU) 2023/977 Art. 6(1)(f)(ii) (checked); Regulation (EU) 2016/794 Annex II Section B [IED-60] (not checked)): ' +
    "Records of informants are not shared, because disclosing an informant would jeopardise that person's safety")
  t.end()
})

t.test('permit description names removed fields', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RED-01', 'redact', true, { appliesTo: ['Person'], fields: ['dateOfBirth', 'address'] })])
  const line = describeDecision(evaluateOutbound(module, person(), CONTEXT))
  t.equal(line,
    'permitted by XX-ALL-01 (Test Act Art. 1 (checked)): Test rule XX-ALL-01; ' +
    'removed dateOfBirth, address under XX-RED-01 (Test Act Art. 1 (checked)): Test rule XX-RED-01')
  t.end()
})

t.test('default deny description', t => {
  const line = describeDecision(evaluateOutbound(moduleOf(t, []), person(), CONTEXT))
  t.equal(line, 'denied by DEFAULT-DENY (design rule: deny by default): no permit rule of policy module XX 2026-12-04.1 matched, and a record is denied unless one does')
  t.end()
})

t.test('failed rule description shows error', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-H3-01', 'deny', { field: 'handlingCode', equals: 'H3' })])
  const line = describeDecision(evaluateOutbound(module, person({ handlingCode: 3 }), CONTEXT))
  t.match(line, /^denied by XX-H3-01 \(Test Act Art\. 1 \(checked\)\): Test rule XX-H3-01 \[rule failed: field "handlingCode" is the number 3/)
  t.end()
})
