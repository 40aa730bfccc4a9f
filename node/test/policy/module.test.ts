import t from 'tap'
import type { Test } from 'tap'
import { fileURLToPath } from 'node:url'
import { NfpError } from '../../../protocol/src/index.ts'
import { loadPolicyModule } from '../../src/policy/index.ts'

const POLICIES = fileURLToPath(new URL('../../../policies/', import.meta.url))

/** A rule that loads cleanly; tests override one key at a time to break it. */
const PERMIT_ALL = {
  id: 'XX-ALL-01',
  title: 'Every record may be shared in this test module.',
  source: { act: 'Test Act', article: 'Art. 1', checked: false },
  when: true,
  effect: 'permit'
}

function moduleWith (rules: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { jurisdiction: 'XX', name: 'test module', version: '2026-12-04.1', rules, ...extra }
}

/** Writes one `<name>/module.json` per entry into a fresh folder; strings are written as they are. */
function writeModules (t: Test, modules: Record<string, unknown>): string {
  const tree: Record<string, { 'module.json': string }> = {}
  for (const [name, content] of Object.entries(modules)) {
    tree[name] = { 'module.json': typeof content === 'string' ? content : JSON.stringify(content, null, 2) }
  }
  return t.testdir(tree)
}

function loadError (directory: string, name: string): NfpError {
  try {
    loadPolicyModule(directory, name)
  } catch (error) {
    if (error instanceof NfpError) return error
    throw error
  }
  throw new Error(`module ${name} loaded, but an error was expected`)
}

/** Loads a module made of the given rules and returns the error it raises. */
function ruleError (t: Test, rules: unknown[]): NfpError {
  return loadError(writeModules(t, { xx: moduleWith(rules) }), 'xx')
}

t.test('EU module loads seven rules', t => {
  const module = loadPolicyModule(POLICIES, 'eu')
  t.equal(module.jurisdiction, 'EU')
  t.equal(module.version, '2026-12-04.1')
  t.same(module.rules.map(rule => rule.id), ['EU-SHARE-01', 'EU-ONW-01', 'EU-HC-03', 'EU-PD-01', 'EU-PD-02', 'EU-PD-03', 'EU-RET-01'])
  t.equal(module.base, undefined)
  t.end()
})

t.test('loaded module is frozen', t => {
  const module = loadPolicyModule(POLICIES, 'eu')
  t.ok(Object.isFrozen(module), 'module')
  t.ok(Object.isFrozen(module.rules), 'rule list')
  t.ok(Object.isFrozen(module.rules[1]?.when), 'condition')
  t.end()
})

t.test('national modules inherit EU rules', t => {
  const eu = loadPolicyModule(POLICIES, 'eu')
  for (const name of ['DE', 'NL', 'SE']) {
    const module = loadPolicyModule(POLICIES, name)
    t.equal(module.jurisdiction, name, `${name} jurisdiction`)
    t.equal(module.base?.jurisdiction, 'EU', `${name} base`)
    t.same(module.rules.map(rule => rule.id), eu.rules.map(rule => rule.id), `${name} rules`)
  }
  t.end()
})

t.test('single source becomes a list', t => {
  const rule = loadPolicyModule(POLICIES, 'eu').rules[0]
  t.same(rule?.sources, [{ act: 'Directive (EU) 2023/977', article: 'Art. 7(1)', checked: true }])
  t.end()
})

t.test('JSON syntax error gives line and column', t => {
  const directory = writeModules(t, { xx: '{\n  "jurisdiction": "XX",\n  "name" "test"\n}\n' })
  const error = loadError(directory, 'xx')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /xx\/module\.json:3:10: invalid JSON/)
  t.end()
})

t.test('truncated JSON points at the end', t => {
  const directory = writeModules(t, { xx: '{\n  "rules": [\n' })
  const error = loadError(directory, 'xx')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /module\.json:3:1: invalid JSON/)
  t.end()
})

t.test('trailing comma gives its position', t => {
  const directory = writeModules(t, { xx: '{\n  "rules": [1,]\n}' })
  const error = loadError(directory, 'xx')
  t.match(error.message, /module\.json:2:15: invalid JSON: Unexpected token '\]'$/)
  t.end()
})

t.test('byte order mark is accepted', t => {
  const directory = writeModules(t, { xx: '\uFEFF' + JSON.stringify(moduleWith([PERMIT_ALL])) })
  t.equal(loadPolicyModule(directory, 'xx').rules.length, 1)
  t.end()
})

t.test('unknown module key is rejected', t => {
  const error = loadError(writeModules(t, { xx: moduleWith([], { rule: [] }) }), 'xx')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /unknown key "rule"/)
  t.equal(error.field, 'rule')
  t.end()
})

t.test('unknown rule key names the rule', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, refusal: 'x' }])
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /rule XX-ALL-01: rules\[0\]\.refusal: unknown key "refusal"/)
  t.end()
})

t.test('unknown source key is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, source: { act: 'A', article: 'Art. 1', checked: true, verified: true } }])
  t.match(error.message, /rule XX-ALL-01: rules\[0\]\.source\.verified: unknown key "verified"/)
  t.end()
})

t.test('source without checked mark is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, source: { act: 'A', article: 'Art. 1' } }])
  t.match(error.message, /rules\[0\]\.source\.checked: must be true/)
  t.end()
})

t.test('unknown operator is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'handlingCode', equal: 'H3' } }])
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /rule XX-ALL-01: rules\[0\]\.when\.equal: unknown operator "equal"/)
  t.end()
})

t.test('unknown condition key is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { every: [true] } }])
  t.match(error.message, /unknown condition key "every"/)
  t.end()
})

t.test('operator without field is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { equals: 'H3' } }])
  t.match(error.message, /operator "equals" needs a "field" key/)
  t.end()
})

t.test('two operators in one test', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'handlingCode', equals: 'H3', notEquals: 'H2' } }])
  t.match(error.message, /more than one operator \(equals, notEquals\)/)
  t.end()
})

t.test('false is not a condition', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: false }])
  t.match(error.message, /rules\[0\]\.when: a condition must be true or an object/)
  t.end()
})

t.test('empty all list is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { all: [] } }])
  t.match(error.message, /rules\[0\]\.when\.all: "all" must be a non-empty list/)
  t.end()
})

t.test('missing condition is rejected', t => {
  const { when: _omitted, ...withoutWhen } = PERMIT_ALL
  const error = ruleError(t, [withoutWhen])
  t.match(error.message, /rules\[0\]\.when: missing condition/)
  t.end()
})

t.test('deep nesting is rejected', t => {
  let condition: unknown = true
  for (let level = 0; level < 20; level++) condition = { not: condition }
  const error = ruleError(t, [{ ...PERMIT_ALL, when: condition }])
  t.match(error.message, /nest deeper than 16 levels/)
  t.end()
})

t.test('misspelt field is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'handlingcode', equals: 'H3' } }])
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /rule XX-ALL-01: rules\[0\]\.when\.field: field "handlingcode" is not defined/)
  t.equal(error.field, 'rules[0].when.field')
  t.end()
})

t.test('field outside appliesTo types', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, appliesTo: ['Firearm'], when: { field: 'subjectCategory', equals: 'informant' } }])
  t.match(error.message, /field "subjectCategory" is not defined by the Firearm schema/)
  t.end()
})

t.test('field of one applied type suffices', t => {
  const directory = writeModules(t, {
    xx: moduleWith([{ ...PERMIT_ALL, appliesTo: ['Firearm', 'Person'], when: { field: 'subjectCategory', equals: 'suspect' } }])
  })
  t.equal(loadPolicyModule(directory, 'xx').rules[0]?.appliesTo?.length, 2)
  t.end()
})

t.test('path through a list is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'identityDocuments.documentType', equals: 'passport' } }])
  t.match(error.message, /goes through the list field "identityDocuments"/)
  t.end()
})

t.test('unknown variable is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'provenance.jurisdiction', equals: '$recipient.country' } }])
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /rules\[0\]\.when\.equals: unknown variable \$recipient\.country/)
  t.end()
})

t.test('value outside the enum', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'handlingCode', equals: 'H5' } }])
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /"H5" is not an allowed value of handlingCode; allowed: "H0", "H1", "H2", "H3"/)
  t.end()
})

t.test('enum value inside in list', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'subjectCategory', in: ['witness', 'whistleblower'] } }])
  t.match(error.message, /rules\[0\]\.when\.in\[1\]: "whistleblower" is not an allowed value of subjectCategory/)
  t.end()
})

t.test('string compared with integer field', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'grading.informationAccuracy', equals: '2' } }])
  t.match(error.message, /"2" is a string, but grading\.informationAccuracy has type integer/)
  t.end()
})

t.test('value breaking the field pattern', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'provenance.jurisdiction', equals: 'se' } }])
  t.match(error.message, /"se" does not match the pattern/)
  t.end()
})

t.test('invalid date literal is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'reviewBy', before: '2026-13-01' } }])
  t.match(error.message, /"2026-13-01" is not a valid date \(YYYY-MM-DD\), which reviewBy requires/)
  t.end()
})

t.test('before on a non-date field', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'legalBasis', before: '$now.date' } }])
  t.match(error.message, /"before" needs a date or date-time field, but "legalBasis" is neither/)
  t.end()
})

t.test('date field against date-time variable', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'reviewBy', before: '$now.dateTime' } }])
  t.match(error.message, /\$now\.dateTime is a date-time, but reviewBy has format date/)
  t.end()
})

t.test('country variable against enum field', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'handlingCode', equals: '$self.jurisdiction' } }])
  t.match(error.message, /\$self\.jurisdiction is a country code, which can never equal an allowed value of handlingCode/)
  t.end()
})

t.test('contains on a single-valued field', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'handlingCode', contains: 'H3' } }])
  t.match(error.message, /"contains" needs a list field, but "handlingCode" is not a list/)
  t.end()
})

t.test('contains on a list of objects', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'identityDocuments', contains: 'passport' } }])
  t.match(error.message, /elements of "identityDocuments" are objects/)
  t.end()
})

t.test('equals on a list field', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'onwardSharingConsent', equals: 'DE' } }])
  t.match(error.message, /"equals" needs a single-valued field, but "onwardSharingConsent" is a list/)
  t.end()
})

t.test('exists needs a boolean', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, when: { field: 'address', exists: 'yes' } }])
  t.match(error.message, /"exists" must be true or false/)
  t.end()
})

t.test('redacting a required field is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, effect: 'redact', appliesTo: ['Person'], fields: ['dateOfBirth', 'familyName'] }])
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /rule XX-ALL-01: rules\[0\]\.fields\[1\]: field "familyName" is required by the Person schema/)
  t.end()
})

t.test('redaction without appliesTo checks every type', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, effect: 'redact', fields: ['address'] }])
  t.match(error.message, /field "address" is required by the CryptoWallet schema/)
  t.end()
})

t.test('redacting a conditionally required field', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, effect: 'redact', appliesTo: ['Vehicle'], fields: ['vin'] }])
  t.match(error.message, /field "vin" is required by the Vehicle schema/)
  t.end()
})

t.test('redacting a nested optional field', t => {
  const directory = writeModules(t, { xx: moduleWith([{ ...PERMIT_ALL, effect: 'redact', fields: ['provenance.sourceReference'] }]) })
  t.same(loadPolicyModule(directory, 'xx').rules[0]?.fields, ['provenance.sourceReference'])
  t.end()
})

t.test('redacting a misspelt field', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, effect: 'redact', appliesTo: ['Person'], fields: ['dateofBirth'] }])
  t.match(error.message, /field "dateofBirth" is not defined by the Person schema/)
  t.end()
})

t.test('redact rule without fields', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, effect: 'redact' }])
  t.match(error.message, /rules\[0\]\.fields: a redact rule must name a non-empty list/)
  t.end()
})

t.test('fields on a deny rule', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, effect: 'deny', fields: ['address'] }])
  t.match(error.message, /only a redact rule names fields/)
  t.end()
})

t.test('refusal ground outside Art. 6', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, effect: 'deny', refusalGround: 'POLICY' }])
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /rule XX-ALL-01: rules\[0\]\.refusalGround: "POLICY" is not a refusal ground of Directive \(EU\) 2023\/977 Art\. 6\(1\)/)
  t.end()
})

t.test('refusal ground on a permit rule', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, refusalGround: 'DATA_QUALITY' }])
  t.match(error.message, /only a deny rule has a refusal ground/)
  t.end()
})

t.test('unknown effect is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, effect: 'allow' }])
  t.match(error.message, /rules\[0\]\.effect: must be one of permit, deny, redact, got "allow"/)
  t.end()
})

t.test('unknown record type in appliesTo', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, appliesTo: ['Gun'] }])
  t.match(error.message, /rules\[0\]\.appliesTo\[0\]: unknown record type "Gun"/)
  t.end()
})

t.test('malformed rule id is rejected', t => {
  const error = ruleError(t, [{ ...PERMIT_ALL, id: 'xx rule 1' }])
  t.match(error.message, /rule xx rule 1: rules\[0\]\.id: rule id must be upper-case words/)
  t.end()
})

t.test('duplicate rule id in one module', t => {
  const error = ruleError(t, [PERMIT_ALL, { ...PERMIT_ALL, title: 'A second rule with the same id.' }])
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /rule XX-ALL-01: rules\[1\]\.id: duplicate rule id; rules\[0\] already uses it/)
  t.end()
})

t.test('duplicate rule id across extends', t => {
  const directory = writeModules(t, {
    aa: { jurisdiction: 'AA', name: 'base', version: '2026-12-04.1', rules: [PERMIT_ALL] },
    xx: moduleWith([PERMIT_ALL], { extends: 'aa' })
  })
  const error = loadError(directory, 'xx')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /xx\/module\.json: rule XX-ALL-01: rules\[0\]\.id: duplicate rule id; .*aa\/module\.json already defines it/)
  t.end()
})

t.test('extends cycle is rejected', t => {
  const directory = writeModules(t, {
    aa: { jurisdiction: 'AA', name: 'a', version: '2026-12-04.1', extends: 'bb', rules: [] },
    bb: { jurisdiction: 'BB', name: 'b', version: '2026-12-04.1', extends: 'aa', rules: [] }
  })
  const error = loadError(directory, 'aa')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /bb\/module\.json: extends: extends cycle: aa -> bb -> aa/)
  t.end()
})

t.test('module extending itself', t => {
  const error = loadError(writeModules(t, { xx: moduleWith([], { extends: 'xx' }) }), 'xx')
  t.match(error.message, /extends cycle: xx -> xx/)
  t.end()
})

t.test('missing base module is rejected', t => {
  const error = loadError(writeModules(t, { xx: moduleWith([], { extends: 'zz' }) }), 'xx')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /xx\/module\.json: extends: module "zz" not found: no file .*zz\/module\.json/)
  t.end()
})

t.test('missing module is rejected', t => {
  const error = loadError(writeModules(t, {}), 'FR')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /policy module "fr" not found/)
  t.end()
})

t.test('module name with a path is rejected', t => {
  const error = loadError(POLICIES, '../eu')
  t.match(error.message, /invalid policy module name "\.\.\/eu"/)
  t.end()
})

t.test('jurisdiction must match the folder', t => {
  const error = loadError(writeModules(t, { xx: moduleWith([], { jurisdiction: 'SE' }) }), 'xx')
  t.match(error.message, /jurisdiction: must be "XX" to match the folder name "xx", got "SE"/)
  t.end()
})

t.test('version must be date and sequence', t => {
  const error = loadError(writeModules(t, { xx: moduleWith([], { version: '1.0' }) }), 'xx')
  t.match(error.message, /version: must be a date and a sequence number/)
  t.end()
})
