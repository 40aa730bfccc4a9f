import t from 'tap'
import type { Test } from 'tap'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validateRecord } from '../../../protocol/src/index.ts'
import { evaluateOutbound, loadPolicyModule } from '../../src/policy/index.ts'

const POLICIES = fileURLToPath(new URL('../../../policies/', import.meta.url))

/** One case of a `tests.json` file; its format is described in policies/README.md. */
interface PolicyCase {
  name: string
  record: Record<string, unknown>
  sender: string
  recipient: string
  now: string
  expect: { effect: 'permit' | 'deny', rules: string[], removedFields: string[] }
}

const CASE_KEYS = ['name', 'record', 'sender', 'recipient', 'now', 'expect']
const EXPECT_KEYS = ['effect', 'rules', 'removedFields']

/** Reads a tests.json file and checks its shape, so that a typo fails loudly instead of testing nothing. */
function readCases (file: string): PolicyCase[] {
  const suite = JSON.parse(readFileSync(file, 'utf8')) as { cases?: unknown }
  if (!Array.isArray(suite.cases) || suite.cases.length === 0) throw new Error(`${file}: "cases" must be a non-empty list`)
  const unknownTop = Object.keys(suite).filter(key => key !== 'cases')
  if (unknownTop.length > 0) throw new Error(`${file}: unknown key ${unknownTop.join(', ')}`)

  const names = new Set<string>()
  for (const [index, entry] of (suite.cases as Array<Record<string, unknown>>).entries()) {
    const label = `${file}: cases[${index}]`
    const extra = Object.keys(entry).filter(key => !CASE_KEYS.includes(key))
    const missing = CASE_KEYS.filter(key => !(key in entry))
    if (extra.length > 0 || missing.length > 0) throw new Error(`${label}: unknown keys [${extra.join(', ')}], missing keys [${missing.join(', ')}]`)
    const expect = entry.expect as Record<string, unknown>
    const expectExtra = Object.keys(expect).filter(key => !EXPECT_KEYS.includes(key))
    const expectMissing = EXPECT_KEYS.filter(key => !(key in expect))
    if (expectExtra.length > 0 || expectMissing.length > 0) {
      throw new Error(`${label}.expect: unknown keys [${expectExtra.join(', ')}], missing keys [${expectMissing.join(', ')}]`)
    }
    if (Number.isNaN(Date.parse(String(entry.now)))) throw new Error(`${label}: "now" is not a date-time: ${String(entry.now)}`)
    if (names.has(String(entry.name))) throw new Error(`${label}: case name "${String(entry.name)}" is used twice`)
    names.add(String(entry.name))
  }
  return suite.cases as PolicyCase[]
}

const sorted = (list: readonly string[]): string[] => [...list].sort()

/** Runs every case of `<directory>/<name>/tests.json` against the module loaded from the same folder. */
function runCases (t: Test, directory: string, name: string): void {
  const module = loadPolicyModule(directory, name)
  const cases = readCases(join(directory, name, 'tests.json'))

  for (const policyCase of cases) {
    t.test(policyCase.name, t => {
      t.doesNotThrow(() => validateRecord(policyCase.record), 'record matches its schema')

      const decision = evaluateOutbound(module, policyCase.record, {
        self: { jurisdiction: policyCase.sender },
        recipient: { jurisdiction: policyCase.recipient },
        now: new Date(policyCase.now)
      })
      t.same(decision.errors, [], 'no rule failed')
      t.equal(decision.effect, policyCase.expect.effect, 'effect')
      t.same(sorted(decision.reasons.map(reason => reason.ruleId)), sorted(policyCase.expect.rules), 'deciding rules')
      t.same(sorted(decision.removedFields), sorted(policyCase.expect.removedFields), 'removed fields')
      t.end()
    })
  }

  // A rule of the module's own that decides no case is untested.
  t.test('every own rule decides a case', t => {
    const decided = new Set(cases.flatMap(policyCase => policyCase.expect.rules))
    for (const rule of module.rules.filter(rule => rule.file === module.file)) {
      t.ok(decided.has(rule.id), `${rule.id} decides at least one case`)
    }
    t.end()
  })
  t.end()
}

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
  t.test(`${folder} module cases`, t => { runCases(t, POLICIES, folder) })
}

t.test('module without permit denies by default', t => {
  const record = JSON.parse(readFileSync(join(POLICIES, 'eu', 'tests.json'), 'utf8')).cases[0].record
  const directory = t.testdir({
    xx: {
      'module.json': JSON.stringify({
        jurisdiction: 'XX',
        name: 'module with a deny rule and no permit rule',
        version: '2026-12-04.1',
        rules: [{
          id: 'XX-H3-01',
          title: 'Records with handling code H3 are denied in this test module.',
          source: { act: 'Test Act', article: 'Art. 1', checked: false },
          when: { field: 'handlingCode', equals: 'H3' },
          effect: 'deny'
        }]
      }),
      'tests.json': JSON.stringify({
        cases: [
          {
            name: 'H0 record falls to the default deny',
            record,
            sender: 'SE',
            recipient: 'DE',
            now: '2026-12-04T10:00:00Z',
            expect: { effect: 'deny', rules: ['DEFAULT-DENY'], removedFields: [] }
          },
          {
            name: 'H3 record is denied by the rule',
            record: { ...record, handlingCode: 'H3' },
            sender: 'SE',
            recipient: 'DE',
            now: '2026-12-04T10:00:00Z',
            expect: { effect: 'deny', rules: ['XX-H3-01'], removedFields: [] }
          }
        ]
      })
    }
  })
  runCases(t, directory, 'xx')
})
