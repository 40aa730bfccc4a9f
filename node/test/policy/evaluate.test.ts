import t from 'tap'
import { describeDecision, evaluateInbound, evaluateOutbound, evaluateRequest, loadPolicyModule } from '../../src/policy/index.ts'
import type { OutboundContext, PolicyModule } from '../../src/policy/index.ts'
import { CONTEXT, NOW, PERMIT_ALL, POLICIES, firearm, moduleOf, person, rule, seizure } from './helpers.ts'

const ids = (decision: { reasons: ReadonlyArray<{ ruleId: string }> }): string[] => decision.reasons.map(reason => reason.ruleId)

t.test('module without permit denies by default', t => {
  const module = moduleOf(t, [rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['dateOfBirth'] })])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.same(ids(decision), ['DEFAULT-DENY'])
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
  t.equal(decision.section, 'outbound')
  t.same(ids(decision), ['XX-ALL-01'])
  t.same(decision.removedFields, [])
  t.same(decision.withheldLinks, [])
  t.same(decision.approvals, [])
  t.same(decision.attached, { rules: [] })
  t.end()
})

t.test('deny beats permit and approval', t => {
  const module = moduleOf(t, [
    PERMIT_ALL,
    rule('XX-APR-01', 'require-approval', 'true', { approval: { reason: 'A person decides.', approvers: ['prosecutor'] } }),
    rule('XX-DENY-01', 'deny', "record.handlingCode == 'H0'", { refusalGround: 'NATIONAL_SECURITY' }),
    rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['dateOfBirth'] })
  ])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.same(ids(decision), ['XX-DENY-01'])
  t.equal(decision.reasons[0]?.refusalGround, 'NATIONAL_SECURITY')
  t.same(decision.removedFields, [], 'a deny removes nothing')
  t.same(decision.approvals, [], 'a deny asks for no approval')
  t.end()
})

t.test('approval beats permit', t => {
  const module = moduleOf(t, [
    PERMIT_ALL,
    rule('XX-APR-01', 'require-approval', "record.handlingCode == 'H0'", { approval: { reason: 'Judicial authorisation is needed under national law.', approvers: ['prosecutor', 'investigating-court'] } }),
    rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['dateOfBirth'] })
  ])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.equal(decision.effect, 'require-approval')
  t.same(ids(decision), ['XX-ALL-01', 'XX-APR-01', 'XX-RED-01'])
  t.same(decision.approvals, [{ ruleId: 'XX-APR-01', reason: 'Judicial authorisation is needed under national law.', approvers: ['prosecutor', 'investigating-court'] }])
  t.same(decision.removedFields, ['dateOfBirth'], 'redaction still applies once approved')
  t.match(decision.explanation, /only after approval by the public prosecutor and the investigating court/)
  t.end()
})

t.test('approval alone does not permit', t => {
  const module = moduleOf(t, [rule('XX-APR-01', 'require-approval', 'true', { approval: { reason: 'A person decides.', approvers: ['legal-officer'] } })])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.same(ids(decision), ['DEFAULT-DENY'])
  t.end()
})

t.test('every matching deny is listed', t => {
  const module = moduleOf(t, [
    PERMIT_ALL,
    rule('XX-DENY-01', 'deny', "record.handlingCode == 'H0'"),
    rule('XX-DENY-02', 'deny', "record.subjectCategory == 'witness'", { appliesTo: ['Person'] })
  ])
  t.same(ids(evaluateOutbound(module, person(), CONTEXT)), ['XX-DENY-01', 'XX-DENY-02'])
  t.end()
})

t.test('redaction lists only present fields', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['dateOfBirth', 'placeOfBirth', 'address'] })])
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.same(decision.removedFields, ['dateOfBirth', 'address'])
  t.same(decision.reasons[1]?.fields, ['dateOfBirth', 'address'])
  t.end()
})

t.test('overlapping redactions remove once', t => {
  const module = moduleOf(t, [
    PERMIT_ALL,
    rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['dateOfBirth', 'address'] }),
    rule('XX-RED-02', 'redact', 'true', { appliesTo: ['Person'], fields: ['address'] })
  ])
  t.same(evaluateOutbound(module, person(), CONTEXT).removedFields, ['dateOfBirth', 'address'])
  t.end()
})

t.test('redaction of nothing is no reason', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['placeOfBirth'] })])
  t.same(ids(evaluateOutbound(module, person(), CONTEXT)), ['XX-ALL-01'])
  t.end()
})

t.test('nested field is redacted', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RED-01', 'redact', 'true', { fields: ['provenance.sourceReference'] })])
  const record = firearm({ provenance: { jurisdiction: 'SE', agency: 'Polisen', created: '2026-10-02T08:15:00Z', modified: '2026-10-03T09:40:00Z', sourceReference: 'case 17' } })
  t.same(evaluateOutbound(module, record, CONTEXT).removedFields, ['provenance.sourceReference'])
  t.end()
})

t.test('appliesTo skips other types', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-DENY-01', 'deny', "record.subjectCategory == 'witness'", { appliesTo: ['Person'] })])
  t.equal(evaluateOutbound(module, firearm(), CONTEXT).effect, 'permit')
  t.end()
})

t.test('links to matching records are withheld', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-LNK-01', 'redact', 'true', {
    appliesTo: ['Seizure'],
    withholdLinks: [{ field: 'persons', linkedTypes: ['Person'], when: "linked.subjectCategory == 'witness'" }]
  })])
  const witness = person({ id: 'urn:nfp:se:person:w-1' })
  const suspect = person({ id: 'urn:nfp:se:person:s-1', subjectCategory: 'suspect' })
  const record = seizure({ persons: ['urn:nfp:se:person:w-1', 'urn:nfp:se:person:s-1', 'urn:nfp:se:person:gone-1', 'urn:nfp:se:firearm:f-1'] })
  const linked = new Map<string, unknown>([[witness.id as string, witness], [suspect.id as string, suspect]])
  const decision = evaluateOutbound(module, record, { ...CONTEXT, linked })
  t.equal(decision.effect, 'permit')
  t.same(decision.withheldLinks, [
    { field: 'persons', id: 'urn:nfp:se:person:w-1', ruleId: 'XX-LNK-01', reason: 'matched' },
    { field: 'persons', id: 'urn:nfp:se:person:gone-1', ruleId: 'XX-LNK-01', reason: 'unresolved' }
  ], 'the witness and the record that could not be checked are withheld; the suspect and the firearm stay')
  t.same(decision.reasons[1]?.withheldLinks, ['urn:nfp:se:person:w-1', 'urn:nfp:se:person:gone-1'])
  t.same(decision.removedFields, [])
  t.end()
})

t.test('failing link condition denies', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-LNK-01', 'redact', 'true', {
    appliesTo: ['Seizure'],
    withholdLinks: [{ field: 'persons', linkedTypes: ['Person'], when: "linked.aliases.size() > 0" }]
  })])
  const witness = person({ id: 'urn:nfp:se:person:w-1' })
  const decision = evaluateOutbound(module, seizure({ persons: ['urn:nfp:se:person:w-1'] }), { ...CONTEXT, linked: new Map([[witness.id as string, witness]]) })
  t.equal(decision.effect, 'deny')
  t.same(decision.errors.map(error => error.ruleId), ['XX-LNK-01'])
  t.end()
})

t.test('attach rules accumulate strictly', t => {
  const module = moduleOf(t, [
    PERMIT_ALL,
    rule('XX-ATT-01', 'attach', 'true', { attach: { reviewWithinDays: 90, minimumHandlingCode: 'H1' } }),
    rule('XX-ATT-02', 'attach', 'true', { attach: { reviewWithinDays: 30, noOnwardSharingWithoutConsent: true } }),
    rule('XX-ATT-03', 'attach', 'true', { attach: { reviewWithinDays: 365, minimumHandlingCode: 'H2' } })
  ])
  const decision = evaluateOutbound(module, firearm(), CONTEXT)
  t.equal(decision.effect, 'permit')
  t.same(decision.attached, { rules: ['XX-ATT-01', 'XX-ATT-02', 'XX-ATT-03'], reviewBy: '2027-01-03', handlingCode: 'H2', noOnwardSharingWithoutConsent: true })
  t.end()
})

t.test('attach never loosens the record', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-ATT-01', 'attach', 'true', { attach: { reviewWithinDays: 90, minimumHandlingCode: 'H1' } })])
  const decision = evaluateOutbound(module, firearm({ reviewBy: '2026-12-10', handlingCode: 'H2' }), CONTEXT)
  t.equal(decision.attached.reviewBy, '2026-12-10', 'the earlier review date of the record stays')
  t.equal(decision.attached.handlingCode, 'H2', 'the stricter code of the record stays')
  t.end()
})

t.test('attach alone does not permit', t => {
  const module = moduleOf(t, [rule('XX-ATT-01', 'attach', 'true', { attach: { noOnwardSharingWithoutConsent: true } })])
  const decision = evaluateOutbound(module, firearm(), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.same(decision.attached.rules, [])
  t.end()
})

t.test('runtime error counts as deny', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-CON-01', 'deny', "'NL' in record.onwardSharingConsent")])
  const decision = evaluateOutbound(module, firearm(), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.same(ids(decision), ['XX-CON-01'])
  t.equal(decision.errors[0]?.ruleId, 'XX-CON-01')
  t.match(decision.errors[0]?.message, /onwardSharingConsent/)
  t.match(decision.reasons[0]?.error, /onwardSharingConsent/)
  t.match(decision.explanation, /Rule XX-CON-01 could not be evaluated/)
  t.end()
})

t.test('failing permit rule also denies', t => {
  const module = moduleOf(t, [rule('XX-ALL-01', 'permit', "record.onwardSharingConsent.size() > 0")])
  const decision = evaluateOutbound(module, firearm(), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.equal(decision.reasons[0]?.effect, 'deny')
  t.end()
})

t.test('has guards optional fields', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-CON-01', 'deny', "!(has(record.onwardSharingConsent) && recipient.jurisdiction in record.onwardSharingConsent)")])
  t.equal(evaluateOutbound(module, firearm(), CONTEXT).effect, 'deny')
  t.equal(evaluateOutbound(module, firearm({ onwardSharingConsent: ['DE'] }), CONTEXT).effect, 'permit')
  t.same(evaluateOutbound(module, firearm(), CONTEXT).errors, [])
  t.end()
})

t.test('wrong value type fails the rule', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-HC-01', 'deny', "record.handlingCode.startsWith('H3')")])
  const decision = evaluateOutbound(module, firearm({ handlingCode: 3 }), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.equal(decision.errors[0]?.ruleId, 'XX-HC-01')
  t.end()
})

t.test('throwing getter is caught', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-HC-01', 'deny', "record.handlingCode == 'H3'")])
  const record = Object.defineProperty(firearm(), 'handlingCode', { get () { throw new Error('getter failed') }, enumerable: true })
  const decision = evaluateOutbound(module, record, CONTEXT)
  t.equal(decision.effect, 'deny')
  t.ok(decision.errors.length > 0)
  t.end()
})

t.test('dates compare as calendar days', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RET-01', 'deny', 'date(record.reviewBy) < date(now)')])
  t.equal(evaluateOutbound(module, firearm({ reviewBy: '2026-12-03' }), CONTEXT).effect, 'deny', 'yesterday')
  t.equal(evaluateOutbound(module, firearm({ reviewBy: '2026-12-04' }), CONTEXT).effect, 'permit', 'today')
  const lateEvening = { ...CONTEXT, now: new Date('2026-12-04T23:30:00-02:00') }
  t.equal(evaluateOutbound(module, firearm({ reviewBy: '2026-12-04' }), lateEvening).effect, 'deny', 'today is taken in UTC')
  t.end()
})

t.test('invalid stored date fails the rule', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-RET-01', 'deny', 'date(record.reviewBy) < date(now)')])
  const decision = evaluateOutbound(module, firearm({ reviewBy: '2026-02-30' }), CONTEXT)
  t.equal(decision.effect, 'deny')
  t.match(decision.errors[0]?.message, /date\(\) needs a calendar date written YYYY-MM-DD, got "2026-02-30"/)
  t.end()
})

t.test('days and timestamps combine', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-NEW-01', 'deny', 'timestamp(record.provenance.created) > now - days(7)')])
  const created = (at: string): Record<string, unknown> => firearm({ provenance: { jurisdiction: 'SE', agency: 'Polisen', created: at, modified: at } })
  t.equal(evaluateOutbound(module, created('2026-12-01T00:00:00Z'), CONTEXT).effect, 'deny')
  t.equal(evaluateOutbound(module, created('2026-11-01T00:00:00Z'), CONTEXT).effect, 'permit')
  t.end()
})

t.test('integer fields support arithmetic', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-GRD-01', 'deny', 'record.grading.informationAccuracy + 1 > 4')])
  t.equal(evaluateOutbound(module, firearm({ grading: { sourceReliability: 'B', informationAccuracy: 4 } }), CONTEXT).effect, 'deny')
  const decision = evaluateOutbound(module, firearm(), CONTEXT)
  t.equal(decision.effect, 'permit')
  t.same(decision.errors, [])
  t.end()
})

t.test('loops over lists of objects', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-DOC-01', 'deny', "has(record.identityDocuments) && record.identityDocuments.exists(d, d.documentType == 'passport')", { appliesTo: ['Person'] })])
  t.equal(evaluateOutbound(module, person({ identityDocuments: [{ documentType: 'passport', documentNumber: 'X1' }] }), CONTEXT).effect, 'deny')
  t.equal(evaluateOutbound(module, person({ identityDocuments: [{ documentType: 'identity-card', documentNumber: 'X1' }] }), CONTEXT).effect, 'permit')
  t.equal(evaluateOutbound(module, person(), CONTEXT).effect, 'permit')
  t.end()
})

t.test('inbound section reads the sender', t => {
  const module = moduleOf(t, [], { inbound: [PERMIT_ALL, rule('XX-IN-01', 'deny', "sender.jurisdiction == 'FR'")] })
  const context = { self: { jurisdiction: 'SE' }, sender: { jurisdiction: 'FR' }, now: NOW }
  const decision = evaluateInbound(module, firearm(), context)
  t.equal(decision.section, 'inbound')
  t.same(ids(decision), ['XX-IN-01'])
  t.match(decision.explanation, /is not accepted from FR/)
  t.equal(evaluateInbound(module, firearm(), { ...context, sender: { jurisdiction: 'DE' } }).effect, 'permit')
  t.same(ids(evaluateOutbound(module, firearm(), CONTEXT)), ['DEFAULT-DENY'], 'inbound rules do not decide outbound')
  t.end()
})

t.test('request section reads the request', t => {
  const module = moduleOf(t, [], { request: [PERMIT_ALL, rule('XX-REQ-01', 'deny', "!request.urgent && request.requester.jurisdiction == 'NL'")] })
  const request = { requester: { jurisdiction: 'NL' }, purpose: 'p', offence: 'o', urgent: false }
  t.equal(evaluateRequest(module, firearm(), { self: { jurisdiction: 'SE' }, request, now: NOW }).effect, 'deny')
  const decision = evaluateRequest(module, firearm(), { self: { jurisdiction: 'SE' }, request: { ...request, urgent: true }, now: NOW })
  t.equal(decision.effect, 'permit')
  t.match(decision.explanation, /may be given in answer to the request of NL/)
  t.end()
})

t.test('invalid request gives invalid input', t => {
  const module = moduleOf(t, [], { request: [PERMIT_ALL] })
  const decision = evaluateRequest(module, firearm(), { self: { jurisdiction: 'SE' }, request: { requester: { jurisdiction: 'NL' } } as never, now: NOW })
  t.same(ids(decision), ['INVALID-INPUT'])
  t.match(decision.errors[0]?.message, /request must have purpose and offence as text/)
  t.end()
})

t.test('invalid record gives invalid input', t => {
  const module = moduleOf(t, [PERMIT_ALL])
  for (const record of [null, 'text', [], { type: 'Gun' }, {}]) {
    const decision = evaluateOutbound(module, record, CONTEXT)
    t.equal(decision.effect, 'deny', JSON.stringify(record))
    t.same(ids(decision), ['INVALID-INPUT'])
  }
  t.end()
})

t.test('invalid context gives invalid input', t => {
  const module = moduleOf(t, [PERMIT_ALL])
  const broken = [
    { ...CONTEXT, self: undefined },
    { ...CONTEXT, recipient: { jurisdiction: 'de' } },
    { ...CONTEXT, now: new Date('nonsense') },
    { ...CONTEXT, linked: {} },
    undefined
  ]
  for (const context of broken) {
    const decision = evaluateOutbound(module, person(), context as unknown as OutboundContext)
    t.same(ids(decision), ['INVALID-INPUT'], JSON.stringify(context))
  }
  t.end()
})

t.test('module not from loader is refused', t => {
  const fake = { jurisdiction: 'XX', name: 'x', version: '2026-12-04.1', file: 'x', hash: 'sha256:0', rules: [] } as PolicyModule
  const decision = evaluateOutbound(fake, person(), CONTEXT)
  t.same(ids(decision), ['INVALID-INPUT'])
  t.match(decision.errors[0]?.message, /was not loaded with loadPolicyModule/)
  t.end()
})

t.test('decision names module, hash and bases', t => {
  const module = loadPolicyModule(POLICIES, 'se')
  const decision = evaluateOutbound(module, person(), CONTEXT)
  t.same(decision.module, { jurisdiction: 'SE', version: '2026-12-04.2', hash: module.hash, extends: [{ jurisdiction: 'EU', version: '2026-12-04.3' }] })
  t.end()
})

t.test('citation joins sources with marks', t => {
  const module = moduleOf(t, [
    PERMIT_ALL,
    rule('XX-DENY-01', 'deny', 'true', {
      sources: [
        { act: 'Directive (EU) 2023/977', article: 'Art. 6', paragraph: '(1)(h)', ruleRef: 'IED-42', checked: true },
        { act: 'Regulation (EU) 2016/794', article: 'Art. 19', checked: false }
      ]
    })
  ])
  const reason = evaluateOutbound(module, person(), CONTEXT).reasons[0]
  t.equal(reason?.citation, 'Directive (EU) 2023/977 Art. 6(1)(h) [IED-42] (checked); Regulation (EU) 2016/794 Art. 19 (not checked)')
  t.equal(reason?.checked, false, 'one unchecked source clears checked')
  t.end()
})

t.test('explanation names rules and citations', t => {
  const module = loadPolicyModule(POLICIES, 'se')
  const decision = evaluateOutbound(module, person({ subjectCategory: 'informant' }), CONTEXT)
  t.match(decision.explanation, /^The Person record urn:nfp:se:person:ps-1 may not be sent to DE\. /)
  t.match(decision.explanation, /Rule EU-PD-02 refuses it on refusal ground JEOPARDISE_INVESTIGATION_OR_SAFETY: Records of informants are not shared/)
  t.match(decision.explanation, /\(Directive \(EU\) 2023\/977 Art\. 6\(1\)\(f\)\(ii\) \(checked\);/)
  t.match(decision.explanation, /Policy module SE 2026-12-04\.2, which extends EU 2026-12-04\.3, made this decision\.$/)
  t.end()
})

t.test('explanation lists removed fields', t => {
  const decision = evaluateOutbound(loadPolicyModule(POLICIES, 'eu'), person(), CONTEXT)
  t.match(decision.explanation, /may be sent to DE without the fields dateOfBirth and address\./)
  t.match(decision.explanation, /Rule EU-PD-01 removes the fields dateOfBirth and address:/)
  t.end()
})

t.test('deny description names rule and citation', t => {
  const decision = evaluateOutbound(loadPolicyModule(POLICIES, 'eu'), person({ subjectCategory: 'informant' }), CONTEXT)
  t.match(describeDecision(decision), /^denied by EU-PD-02 \(Directive \(EU\) 2023\/977 Art\. 6\(1\)\(f\)\(ii\) \(checked\); .*\): Records of informants are not shared/)
  t.end()
})

t.test('permit description names removed fields', t => {
  const decision = evaluateOutbound(loadPolicyModule(POLICIES, 'eu'), person({ handlingCode: 'H2' }), CONTEXT)
  const line = describeDecision(decision)
  t.match(line, /^permitted by EU-SHARE-01 /)
  t.match(line, /; removed dateOfBirth, address under EU-PD-01 /)
  t.match(line, /; conditions attached under EU-HC-02 /)
  t.end()
})

t.test('approval description comes first', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-APR-01', 'require-approval', 'true', { approval: { reason: 'A person decides.', approvers: ['legal-officer'] } })])
  t.match(describeDecision(evaluateOutbound(module, person(), CONTEXT)), /^needs approval under XX-APR-01 .*; then permitted by XX-ALL-01/)
  t.end()
})

t.test('unreadable context is refused', t => {
  const module = moduleOf(t, [PERMIT_ALL])
  const context = Object.defineProperty({ ...CONTEXT }, 'recipient', { get () { throw new Error('no recipient today') } })
  const decision = evaluateOutbound(module, person(), context)
  t.same(ids(decision), ['INVALID-INPUT'])
  t.equal(decision.errors[0]?.message, 'the decision context could not be read: no recipient today')
  const record = Object.defineProperty(person(), 'type', { get () { throw new Error('no type') }, enumerable: true })
  t.equal(evaluateOutbound(module, record, CONTEXT).effect, 'deny', 'a record whose type cannot be read')
  t.end()
})
