import t from 'tap'
import { loadPolicyModule } from '../../src/policy/index.ts'
import { PERMIT_ALL, POLICIES, loadError, moduleContent, rule, ruleError, writeModules } from './helpers.ts'

const EU_RULES = {
  outbound: ['EU-SHARE-01', 'EU-ONW-01', 'EU-HC-03', 'EU-PD-01', 'EU-PD-02', 'EU-PD-03', 'EU-RET-01', 'EU-HC-02', 'EU-PD-04'],
  inbound: ['EU-IN-01', 'EU-IN-GRD-01', 'EU-IN-RET-01', 'EU-IN-ONW-01', 'EU-IN-HC-03'],
  request: ['EU-REQ-01', 'EU-REQ-02', 'EU-REQ-ONW-01', 'EU-REQ-HC-03', 'EU-REQ-PD-01', 'EU-REQ-PD-02', 'EU-REQ-PD-03', 'EU-REQ-RET-01', 'EU-REQ-HC-02', 'EU-REQ-PD-04'],
  initiative: ['EU-INIT-01', 'EU-INIT-02', 'EU-INIT-03', 'EU-INIT-04', 'EU-INIT-06', 'EU-INIT-05']
}

/** Position `line:column` of the first occurrence of `needle` in the JSON text of a module. */
function positionOf (text: string, needle: string): string {
  const offset = text.indexOf(needle)
  if (offset < 0) throw new Error(`${needle} not in the module text`)
  const before = text.slice(0, offset)
  return `${before.split('\n').length}:${offset - before.lastIndexOf('\n')}`
}

t.test('EU module loads its sections', t => {
  const module = loadPolicyModule(POLICIES, 'eu')
  t.equal(module.jurisdiction, 'EU')
  t.equal(module.version, '2026-12-04.3')
  for (const [section, ids] of Object.entries(EU_RULES)) {
    t.same(module.rules.filter(rule => rule.section === section).map(rule => rule.id), ids, section)
  }
  t.equal(module.base, undefined)
  t.match(module.hash, /^sha256:[0-9a-f]{64}$/)
  t.end()
})

t.test('loaded module is frozen', t => {
  const module = loadPolicyModule(POLICIES, 'eu')
  t.ok(Object.isFrozen(module), 'module')
  t.ok(Object.isFrozen(module.rules), 'rule list')
  t.ok(Object.isFrozen(module.rules[1]?.sources), 'sources')
  t.end()
})

t.test('national modules inherit EU rules', t => {
  const eu = loadPolicyModule(POLICIES, 'eu')
  for (const name of ['AT', 'CY', 'DE', 'DK', 'FR', 'NL', 'SE']) {
    const module = loadPolicyModule(POLICIES, name)
    t.equal(module.jurisdiction, name, `${name} jurisdiction`)
    t.equal(module.base?.jurisdiction, 'EU', `${name} base`)
    const ids = module.rules.map(rule => rule.id)
    t.ok(eu.rules.every(rule => ids.includes(rule.id)), `${name} has every EU rule`)
    t.ok(ids.filter(id => !eu.rules.some(rule => rule.id === id)).every(id => id.startsWith(`${name}-`)), `${name} adds only its own rules`)
    t.not(module.hash, eu.hash, `${name} hash differs from the base hash`)
  }
  t.end()
})

t.test('module hash covers the base', t => {
  const base = moduleContent({ outbound: [PERMIT_ALL] }, { jurisdiction: 'AA' })
  const child = moduleContent({ outbound: [] }, { extends: 'aa' })
  const first = loadPolicyModule(writeModules(t, { aa: base, xx: child }), 'xx')
  const changed = { ...base, outbound: [{ ...PERMIT_ALL, title: 'A reworded title.' }] }
  const second = loadPolicyModule(writeModules(t, { aa: changed, xx: child }), 'xx')
  const again = loadPolicyModule(writeModules(t, { aa: base, xx: child }), 'xx')
  t.not(first.hash, second.hash, 'a change in the base changes the hash')
  t.equal(first.hash, again.hash, 'the same content gives the same hash')
  t.end()
})

t.test('sources keep paragraph and ruleRef', t => {
  const module = loadPolicyModule(POLICIES, 'eu')
  const onward = module.rules.find(rule => rule.id === 'EU-ONW-01')
  t.same(onward?.sources[0], { act: 'Directive (EU) 2023/977', article: 'Art. 6', paragraph: '(1)(h)', ruleRef: 'IED-42', checked: true })
  t.end()
})

t.test('rule records its condition position', t => {
  const module = loadPolicyModule(POLICIES, 'eu')
  const rule = module.rules.find(candidate => candidate.id === 'EU-HC-03')
  t.match(rule?.position.file, /policies\/eu\/module\.json$/)
  t.ok((rule?.position.line ?? 0) > 1, 'line')
  t.ok((rule?.position.column ?? 0) > 1, 'column')
  t.end()
})

t.test('JSON syntax error gives line and column', t => {
  const error = loadError(writeModules(t, { xx: '{\n  "jurisdiction": "XX",\n  "name" "test"\n}\n' }), 'xx')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /xx\/module\.json:3:10: invalid JSON/)
  t.end()
})

t.test('truncated JSON points at the end', t => {
  const error = loadError(writeModules(t, { xx: '{\n  "outbound": [\n' }), 'xx')
  t.match(error.message, /module\.json:3:1: invalid JSON/)
  t.end()
})

t.test('byte order mark is accepted', t => {
  const directory = writeModules(t, { xx: '\uFEFF' + JSON.stringify(moduleContent({ outbound: [PERMIT_ALL] })) })
  t.equal(loadPolicyModule(directory, 'xx').rules.length, 1)
  t.end()
})

t.test('misspelt field names its position', t => {
  const content = moduleContent({ outbound: [rule('XX-PD-01', 'deny', "record.subjectCategry == 'informant'", { appliesTo: ['Person'] })] })
  const text = JSON.stringify(content, null, 2)
  const error = loadError(writeModules(t, { xx: text }), 'xx')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.equal(error.field, 'outbound[0].when')
  t.match(error.message, `xx/module.json:${positionOf(text, 'subjectCategry')}: rule XX-PD-01: outbound[0].when: No such key: subjectCategry`)
  t.match(error.message, /checked against the Person schema in the outbound section/)
  t.end()
})

t.test('position steps over JSON escapes', t => {
  const content = moduleContent({ outbound: [rule('XX-PD-01', 'deny', 'record.subjectCategory == "informant" && record.familyNam == "x"', { appliesTo: ['Person'] })] })
  const text = JSON.stringify(content, null, 2)
  const error = loadError(writeModules(t, { xx: text }), 'xx')
  t.match(error.message, `xx/module.json:${positionOf(text, 'familyNam ')}: rule XX-PD-01`)
  t.end()
})

t.test('position counts lines of the file', t => {
  const content = moduleContent({ outbound: [PERMIT_ALL, rule('XX-HC-01', 'deny', "record.handlingCode == 3")] })
  const text = JSON.stringify(content, null, 2)
  const error = loadError(writeModules(t, { xx: text }), 'xx')
  t.match(error.message, `module.json:${positionOf(text, 'record.handlingCode == 3')}: rule XX-HC-01: outbound[1].when: no such overload: string == int`)
  t.end()
})

t.test('CEL syntax error is located', t => {
  const content = moduleContent({ outbound: [rule('XX-HC-01', 'deny', "record.handlingCode == 'H3' &&& true")] })
  const text = JSON.stringify(content, null, 2)
  const error = loadError(writeModules(t, { xx: text }), 'xx')
  t.match(error.message, `module.json:${positionOf(text, '& true')}: rule XX-HC-01: outbound[0].when: invalid CEL: Unexpected character: &`)
  t.end()
})

t.test('field outside appliesTo types', t => {
  const error = ruleError(t, [rule('XX-PD-01', 'deny', "record.subjectCategory == 'informant'", { appliesTo: ['Firearm'] })])
  t.match(error.message, /No such key: subjectCategory \(checked against the Firearm schema/)
  t.end()
})

t.test('field must exist for every type', t => {
  const error = ruleError(t, [rule('XX-PD-01', 'deny', "record.subjectCategory == 'informant'")])
  t.match(error.message, /No such key: subjectCategory \(checked against the Firearm schema/, 'a rule without appliesTo covers Firearm too')
  t.end()
})

t.test('common field without appliesTo loads', t => {
  const module = loadPolicyModule(writeModules(t, { xx: moduleContent({ outbound: [rule('XX-HC-01', 'deny', "record.handlingCode == 'H3'")] }) }), 'xx')
  t.equal(module.rules[0]?.when, "record.handlingCode == 'H3'")
  t.end()
})

t.test('variable of another section', t => {
  const error = ruleError(t, [rule('XX-IN-01', 'deny', "sender.jurisdiction == 'DE'")])
  t.match(error.message, /outbound\[0\]\.when: Unknown variable: sender/)
  t.end()
})

t.test('section variables are declared', t => {
  const directory = writeModules(t, {
    xx: moduleContent({
      outbound: [rule('XX-OUT-01', 'deny', "recipient.jurisdiction == 'FR' && self.jurisdiction == 'SE' && now > timestamp('2026-01-01T00:00:00Z')")],
      inbound: [rule('XX-IN-01', 'deny', "sender.jurisdiction == 'FR'")],
      request: [rule('XX-REQ-01', 'deny', "request.urgent && request.requester.jurisdiction == 'FR' && size(request.purpose) > 0 && request.offence != ''")]
    })
  })
  t.same(loadPolicyModule(directory, 'xx').rules.map(rule => rule.section), ['outbound', 'inbound', 'request'])
  t.end()
})

t.test('condition must give a boolean', t => {
  const error = ruleError(t, [rule('XX-HC-01', 'deny', 'record.handlingCode')])
  t.match(error.message, /a condition must give true or false, but this one gives a value of type string/)
  t.end()
})

t.test('condition must be a string', t => {
  const error = ruleError(t, [rule('XX-HC-01', 'deny', true)])
  t.match(error.message, /outbound\[0\]\.when: must be a condition in CEL/)
  t.end()
})

t.test('missing condition is rejected', t => {
  const { when: _when, ...withoutWhen } = PERMIT_ALL
  const error = ruleError(t, [withoutWhen])
  t.match(error.message, /rule XX-ALL-01: outbound\[0\]: missing "when"/)
  t.end()
})

t.test('regular expressions are forbidden', t => {
  const error = ruleError(t, [rule('XX-RE-01', 'deny', "record.legalBasis.matches('^(a+)+$')")])
  t.match(error.message, /matches\(\) is not allowed/)
  t.end()
})

t.test('nested loop macros are forbidden', t => {
  const error = ruleError(t, [rule('XX-LOOP-01', 'deny', "record.aliases.exists(a, record.aliases.exists(b, a == b))", { appliesTo: ['Person'] })])
  t.match(error.message, /exists\(\) inside exists\(\) is not allowed/)
  t.end()
})

t.test('unknown rule key names the rule', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, whne: 'true' }])
  t.match(error.message, /rule XX-ALL-01: outbound\[0\]\.whne: unknown key "whne"/)
  t.end()
})

t.test('unknown module key is rejected', t => {
  const error = loadError(writeModules(t, { xx: moduleContent({ rules: [] }) }), 'xx')
  t.match(error.message, /rules: unknown key "rules"; allowed keys: jurisdiction, name, version, extends, outbound, inbound, request/)
  t.end()
})

t.test('section must be a list', t => {
  const error = loadError(writeModules(t, { xx: moduleContent({ outbound: {} }) }), 'xx')
  t.match(error.message, /outbound: must be a list of rules/)
  t.end()
})

t.test('sources must be a list', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, sources: { act: 'A', article: 'Art. 1', checked: true } }])
  t.match(error.message, /outbound\[0\]\.sources: must be a non-empty list of legal sources/)
  t.end()
})

t.test('source without checked mark is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, sources: [{ act: 'A', article: 'Art. 1' }] }])
  t.match(error.message, /sources\[0\]\.checked: must be true when the wording was seen/)
  t.end()
})

t.test('empty paragraph is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, sources: [{ act: 'A', article: 'Art. 1', paragraph: ' ', checked: true }] }])
  t.match(error.message, /sources\[0\]\.paragraph: must be a non-empty string when present/)
  t.end()
})

t.test('missing sources allowed for lint', t => {
  const { sources: _sources, ...withoutSources } = PERMIT_ALL
  const directory = writeModules(t, { xx: moduleContent({ outbound: [withoutSources] }) })
  t.match(loadError(directory, 'xx').message, /sources: must be a non-empty list/)
  t.same(loadPolicyModule(directory, 'xx', { allowMissingSources: true }).rules[0]?.sources, [])
  t.end()
})

t.test('redacting a required field is rejected', t => {
  const error = ruleError(t, [rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['familyName'] })])
  t.match(error.message, /field "familyName" is required by the Person schema/)
  t.end()
})

t.test('redacting a misspelt field', t => {
  const error = ruleError(t, [rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['adress'] })])
  t.match(error.message, /fields\[0\]: field "adress" is not defined by the Person schema/)
  t.end()
})

t.test('redact rule needs something to remove', t => {
  const error = ruleError(t, [rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'] })])
  t.match(error.message, /a redact rule needs "fields" to remove, "withholdLinks", or both/)
  t.end()
})

t.test('inbound rule cannot redact', t => {
  const error = ruleError(t, [], { inbound: [rule('XX-RED-01', 'redact', 'true', { appliesTo: ['Person'], fields: ['address'] })] })
  t.match(error.message, /inbound\[0\]\.effect: an inbound rule cannot redact/)
  t.end()
})

t.test('withheld link field must hold ids', t => {
  const error = ruleError(t, [rule('XX-LNK-01', 'redact', 'true', {
    appliesTo: ['Seizure'],
    withholdLinks: [{ field: 'place', linkedTypes: ['Person'], when: "linked.subjectCategory == 'witness'" }]
  })])
  t.match(error.message, /withholdLinks\[0\]\.field: field "place" of the Seizure schema does not hold record ids/)
  t.end()
})

t.test('link condition reads the linked type', t => {
  const error = ruleError(t, [rule('XX-LNK-01', 'redact', 'true', {
    appliesTo: ['Seizure'],
    withholdLinks: [{ field: 'persons', linkedTypes: ['Firearm'], when: "linked.subjectCategory == 'witness'" }]
  })])
  t.match(error.message, /withholdLinks\[0\]\.when: No such key: subjectCategory \(checked against the Seizure schema with a linked Firearm/)
  t.end()
})

t.test('parameters of another effect', t => {
  const error = ruleError(t, [rule('XX-DENY-01', 'deny', 'true', { fields: ['address'] })])
  t.match(error.message, /outbound\[0\]\.fields: only a redact rule takes "fields"/)
  t.end()
})

t.test('refusal ground outside Art. 6', t => {
  const error = ruleError(t, [rule('XX-DENY-01', 'deny', 'true', { refusalGround: 'POLITICAL' })])
  t.match(error.message, /"POLITICAL" is not a refusal ground of Directive \(EU\) 2023\/977 Art\. 6\(1\)/)
  t.end()
})

t.test('approval needs known approvers', t => {
  const error = ruleError(t, [rule('XX-APR-01', 'require-approval', 'true', { approval: { reason: 'Because.', approvers: ['minister'] } })])
  t.match(error.message, /approval\.approvers\[0\]: unknown approver "minister"/)
  t.end()
})

t.test('approval needs a reason', t => {
  const error = ruleError(t, [rule('XX-APR-01', 'require-approval', 'true', { approval: { approvers: ['prosecutor'] } })])
  t.match(error.message, /approval\.reason: must say in plain language why/)
  t.end()
})

t.test('attach only tightens conditions', t => {
  const loosening = ruleError(t, [rule('XX-ATT-01', 'attach', 'true', { attach: { noOnwardSharingWithoutConsent: false } })])
  t.match(loosening.message, /noOnwardSharingWithoutConsent: must be true/)
  const handling = ruleError(t, [rule('XX-ATT-01', 'attach', 'true', { attach: { minimumHandlingCode: 'H0' } })])
  t.match(handling.message, /minimumHandlingCode: must be "H1" or "H2"/)
  const days = ruleError(t, [rule('XX-ATT-01', 'attach', 'true', { attach: { reviewWithinDays: 0 } })])
  t.match(days.message, /reviewWithinDays: must be a whole number of days from 1 to 36500/)
  const empty = ruleError(t, [rule('XX-ATT-01', 'attach', 'true', { attach: {} })])
  t.match(empty.message, /an attach rule needs "attach" with at least one of/)
  t.end()
})

t.test('unknown effect is rejected', t => {
  const error = ruleError(t, [rule('XX-ALL-01', 'allow', 'true')])
  t.match(error.message, /effect: must be one of permit, deny, redact, require-approval, attach, got "allow"/)
  t.end()
})

t.test('unknown record type in appliesTo', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, appliesTo: ['Gun'] }])
  t.match(error.message, /appliesTo\[0\]: unknown record type "Gun"/)
  t.end()
})

t.test('malformed rule id is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, id: 'xx-all-1' }])
  t.match(error.message, /rule xx-all-1: outbound\[0\]\.id: rule id must be upper-case words/)
  t.end()
})

t.test('duplicate id across sections', t => {
  const error = ruleError(t, [PERMIT_ALL], { inbound: [PERMIT_ALL] })
  t.match(error.message, /rule XX-ALL-01: inbound\[0\]\.id: duplicate rule id; the outbound section already uses it/)
  t.end()
})

t.test('duplicate rule id across extends', t => {
  const directory = writeModules(t, {
    aa: moduleContent({ outbound: [PERMIT_ALL] }, { jurisdiction: 'AA' }),
    xx: moduleContent({ outbound: [PERMIT_ALL] }, { extends: 'aa' })
  })
  const error = loadError(directory, 'xx')
  t.match(error.message, /xx\/module\.json:\d+:\d+: rule XX-ALL-01: outbound\[0\]\.id: duplicate rule id; .*aa\/module\.json already defines it/)
  t.end()
})

t.test('extends cycle is rejected', t => {
  const directory = writeModules(t, {
    aa: moduleContent({}, { jurisdiction: 'AA', extends: 'bb' }),
    bb: moduleContent({}, { jurisdiction: 'BB', extends: 'aa' })
  })
  t.match(loadError(directory, 'aa').message, /bb\/module\.json:\d+:\d+: extends: extends cycle: aa -> bb -> aa/)
  t.end()
})

t.test('missing base module is rejected', t => {
  const error = loadError(writeModules(t, { xx: moduleContent({}, { extends: 'zz' }) }), 'xx')
  t.match(error.message, /xx\/module\.json:\d+:\d+: extends: module "zz" not found: no file .*zz\/module\.json/)
  t.end()
})

t.test('missing module is rejected', t => {
  const error = loadError(writeModules(t, {}), 'FR')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /policy module "fr" not found/)
  t.end()
})

t.test('module name with a path is rejected', t => {
  t.match(loadError(POLICIES, '../eu').message, /invalid policy module name "\.\.\/eu"/)
  t.end()
})

t.test('jurisdiction must match the folder', t => {
  const error = loadError(writeModules(t, { xx: moduleContent({}, { jurisdiction: 'SE' }) }), 'xx')
  t.match(error.message, /jurisdiction: must be "XX" to match the folder name "xx", got "SE"/)
  t.end()
})

t.test('version must be date and sequence', t => {
  const error = loadError(writeModules(t, { xx: moduleContent({}, { version: '1.0' }) }), 'xx')
  t.match(error.message, /version: must be a date and a sequence number/)
  t.end()
})
