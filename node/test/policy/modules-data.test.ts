import t from 'tap'
import type { Test } from 'tap'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { runPolicyTests } from '../../src/policy/test-runner.ts'
import { PERMIT_ALL, POLICIES, firearm, moduleContent, rule } from './helpers.ts'

const folders = readdirSync(POLICIES, { withFileTypes: true })
  .filter(entry => entry.isDirectory())
  .map(entry => entry.name)
  .sort()

t.test('policy folders have module and tests', t => {
  t.ok(folders.includes('eu'), 'the EU base module exists')
  for (const folder of folders) {
    t.ok(existsSync(join(POLICIES, folder, 'module.json')), `${folder}/module.json exists`)
    t.ok(existsSync(join(POLICIES, folder, 'tests.json')), `${folder}/tests.json exists`)
    t.ok(existsSync(join(POLICIES, folder, 'README.md')), `${folder}/README.md exists`)
  }
  t.end()
})

for (const folder of folders) {
  t.test(`${folder} module cases pass`, t => {
    const report = runPolicyTests(POLICIES, folder)
    for (const outcome of report.cases) t.same(outcome.failures, [], outcome.name)
    for (const entry of report.coverage.filter(entry => entry.own)) t.equal(entry.problem, undefined, `${entry.ruleId} is covered`)
    t.ok(report.passed, 'the report passes')
    t.end()
  })
}

/** Writes module `xx` and its tests file into a fresh folder. */
function suite (t: Test, outbound: unknown[], tests: unknown): string {
  return t.testdir({ xx: { 'module.json': JSON.stringify(moduleContent({ outbound })), 'tests.json': JSON.stringify(tests, null, 2) } })
}

const H3_DENY = rule('XX-H3-01', 'deny', "record.handlingCode == 'H3'")

function outboundCase (name: string, record: unknown, expect: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, section: 'outbound', record, self: 'SE', recipient: 'DE', now: '2026-12-04T10:00:00Z', expect, ...extra }
}

t.test('rule without firing case fails coverage', t => {
  const directory = suite(t, [PERMIT_ALL, H3_DENY], { cases: [outboundCase('H0 is permitted', firearm(), { effect: 'permit', rules: ['XX-ALL-01'] })] })
  const report = runPolicyTests(directory, 'xx')
  t.equal(report.passed, false)
  t.same(report.cases.map(outcome => outcome.passed), [true])
  const entry = report.coverage.find(candidate => candidate.ruleId === 'XX-H3-01')
  t.equal(entry?.fired, 0)
  t.equal(entry?.notFired, 1)
  t.equal(entry?.problem, 'no case of the outbound section makes XX-H3-01 fire')
  t.end()
})

t.test('rule without non-firing case fails coverage', t => {
  const directory = suite(t, [PERMIT_ALL, H3_DENY], {
    cases: [outboundCase('H3 is denied', firearm({ handlingCode: 'H3', handlingConditions: 'Ask first.' }), { effect: 'deny', rules: ['XX-H3-01'] })]
  })
  const report = runPolicyTests(directory, 'xx')
  t.equal(report.passed, false)
  t.equal(report.coverage.find(entry => entry.ruleId === 'XX-H3-01')?.problem, 'every case of the outbound section makes XX-H3-01 fire; add one where it does not')
  t.equal(report.coverage.find(entry => entry.ruleId === 'XX-ALL-01')?.problem, undefined, 'a rule that is true for every type needs no non-firing case')
  t.end()
})

t.test('named records take patches', t => {
  const directory = suite(t, [PERMIT_ALL, H3_DENY], {
    records: { gun: firearm() },
    cases: [
      outboundCase('H0 is permitted', 'gun', { effect: 'permit', rules: ['XX-ALL-01'] }),
      outboundCase('H3 is denied', 'gun', { effect: 'deny', rules: ['XX-H3-01'] }, { patch: { handlingCode: 'H3', handlingConditions: 'Ask first.', model: null } })
    ]
  })
  const report = runPolicyTests(directory, 'xx')
  t.ok(report.passed, JSON.stringify(report.cases.map(outcome => outcome.failures)))
  t.end()
})

t.test('failing case lists differences', t => {
  const directory = suite(t, [PERMIT_ALL, H3_DENY], {
    cases: [
      outboundCase('wrong expectation', firearm(), { effect: 'deny', rules: ['XX-H3-01'], removedFields: ['model'] }),
      outboundCase('H3 is denied', firearm({ handlingCode: 'H3', handlingConditions: 'Ask first.' }), { effect: 'deny', rules: ['XX-H3-01'] })
    ]
  })
  const outcome = runPolicyTests(directory, 'xx').cases[0]
  t.equal(outcome?.passed, false)
  t.same(outcome?.failures, [
    'effect: expected deny, got permit',
    'deciding rules: expected [XX-H3-01], got [XX-ALL-01]',
    'removed fields: expected [model], got []'
  ])
  t.equal(outcome?.position.line, 3, 'the case is located where its object opens in the tests file')
  t.end()
})

t.test('invalid record fails its case', t => {
  const { grading: _grading, ...ungraded } = firearm()
  const directory = suite(t, [PERMIT_ALL, H3_DENY], {
    cases: [
      outboundCase('ungraded record', ungraded, { effect: 'permit', rules: ['XX-ALL-01'] }),
      outboundCase('marked invalid but valid', firearm(), { effect: 'permit', rules: ['XX-ALL-01'] }, { recordValid: false }),
      outboundCase('marked invalid and invalid', ungraded, { effect: 'permit', rules: ['XX-ALL-01'] }, { recordValid: false })
    ]
  })
  const [ungradedCase, markedValid, markedInvalid] = runPolicyTests(directory, 'xx').cases
  t.match(ungradedCase?.failures[0], /^record does not match its schema: /)
  t.same(markedValid?.failures, ['record is marked "recordValid": false but matches its schema'])
  t.same(markedInvalid?.failures, [])
  t.end()
})

t.test('malformed case names its position', t => {
  const directory = suite(t, [PERMIT_ALL], { cases: [outboundCase('no sender in outbound', firearm(), { effect: 'permit', rules: [] }, { sender: 'DE' })] })
  t.throws(() => runPolicyTests(directory, 'xx'), { code: 'ERR_POLICY_INVALID', message: /tests\.json:\d+:\d+: cases\[0\]\.sender: a case of the outbound section has no "sender"; use "recipient"/ })
  t.end()
})

t.test('unknown record name is rejected', t => {
  const directory = suite(t, [PERMIT_ALL], { records: {}, cases: [outboundCase('missing', 'nothing', { effect: 'permit', rules: [] })] })
  t.throws(() => runPolicyTests(directory, 'xx'), { code: 'ERR_POLICY_INVALID', message: /cases\[0\]\.record: no record named "nothing"/ })
  t.end()
})
