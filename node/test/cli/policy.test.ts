import t from 'tap'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { policyCommand } from '../../src/cli/policy.ts'

const POLICIES = fileURLToPath(new URL('../../../policies/', import.meta.url))
const NOW = '2026-12-04T10:00:00Z'

/** Runs `nfp policy …` in process and returns its exit code and output. */
async function policy (...argv: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await policyCommand.main(argv, { log: text => { out.push(text) }, error: text => { err.push(text) } })
  return { code, stdout: out.join('\n'), stderr: err.join('\n') }
}

t.test('test passes on shipped modules', async t => {
  const { code, stdout } = await policy('test', '--policies', POLICIES)
  t.equal(code, 0, stdout)
  t.match(stdout, /^DE: 9 of 9 cases passed; 1 of 1 own rules covered$/m)
  t.match(stdout, /^FR: \d+ of \d+ cases passed; 8 of 8 own rules covered$/m)
  t.match(stdout, /^EU: 59 of 59 cases passed; 33 of 33 own rules covered$/m)
  t.match(stdout, /EU-PD-04\s+outbound\s+12\s+13\s+0\s+ok/)
})

t.test('test fails on a broken case', async t => {
  const directory = t.testdir({})
  cpSync(POLICIES, directory, { recursive: true })
  const file = join(directory, 'eu', 'tests.json')
  const suite = JSON.parse(readFileSync(file, 'utf8'))
  suite.cases[0].expect.effect = 'deny'
  writeFileSync(file, JSON.stringify(suite, null, 2))
  const { code, stdout } = await policy('test', '--policies', directory, 'eu')
  t.equal(code, 1)
  t.match(stdout, /^EU: 58 of 59 cases passed/m)
  t.match(stdout, /FAIL .*eu\/tests\.json:\d+:\d+ "own firearm record is permitted"\n\s+effect: expected deny, got permit/)
  t.notMatch(stdout, /^SE:/m, 'only the named module runs')
})

t.test('lint reports warnings only', async t => {
  const { code, stdout } = await policy('lint', '--policies', POLICIES, '--now', NOW, 'eu')
  t.equal(code, 0)
  t.match(stdout, /^EU: 0 errors, \d+ warnings \(\d+ generated cases\)$/m)
  t.match(stdout, /eu\/module\.json:\d+:\d+: warning: EU-PD-01 cites sources not yet compared/)
})

t.test('diff of identical folders', async t => {
  const { code, stdout } = await policy('diff', POLICIES, POLICIES, 'SE', '--now', NOW)
  t.equal(code, 0)
  t.match(stdout, /^SE 2026-12-04\.2 \(EU 2026-12-04\.3\) -> 2026-12-04\.2 \(EU 2026-12-04\.3\): no change in access over \d+ cases$/m)
})

t.test('diff prints a table', async t => {
  const directory = t.testdir({})
  cpSync(POLICIES, directory, { recursive: true })
  const file = join(directory, 'eu', 'module.json')
  const module = JSON.parse(readFileSync(file, 'utf8'))
  module.outbound = module.outbound.filter((rule: { id: string }) => rule.id !== 'EU-PD-03')
  writeFileSync(file, JSON.stringify(module, null, 2))
  const { code, stdout } = await policy('diff', POLICIES, directory, 'SE', '--now', NOW)
  t.equal(code, 0)
  t.match(stdout, /section\s+record type\s+recipient\/sender\s+field\s+change\s+cases\s+example/)
  t.match(stdout, /outbound\s+Person\s+DE\s+address\s+gains access \(no longer removed\)/)
})

t.test('compat prints both directions', async t => {
  const { code, stdout } = await policy('compat', '--policies', POLICIES, '--now', NOW, 'SE', 'NL')
  t.equal(code, 0)
  t.match(stdout, /SE -> NL\s+Person\s+\d+\s+\d+\s+0\s+.*SE EU-PD-02/)
  t.match(stdout, /NL -> SE\s+Firearm/)
})

t.test('explain prints the explanation', async t => {
  const eu = JSON.parse(readFileSync(join(POLICIES, 'eu', 'tests.json'), 'utf8'))
  const file = join(t.testdir({}), 'witness.json')
  writeFileSync(file, JSON.stringify(eu.records['se-witness']))
  const { code, stdout } = await policy('explain', '--policies', POLICIES, '--record', file, '--to', 'DE', '--now', NOW)
  t.equal(code, 0)
  t.match(stdout, /^The Person record urn:nfp:se:person:ps-2026-0010 may be sent to DE without the fields dateOfBirth, placeOfBirth, address, identityDocuments and aliases\./)
  t.match(stdout, /Policy module SE 2026-12-04\.2, which extends EU 2026-12-04\.3, made this decision\.$/)
})

t.test('usage errors exit with 2', async t => {
  const none = await policy()
  t.equal(none.code, 2)
  t.match(none.stdout, /Usage: nfp policy test/)
  const unknown = await policy('check')
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown subcommand `check`/)
  const option = await policy('test', '--polices', POLICIES)
  t.equal(option.code, 2)
  t.match(option.stderr, /Unknown option '--polices'/)
  const compat = await policy('compat', 'SE')
  t.equal(compat.code, 2)
  t.match(compat.stderr, /compat needs exactly two jurisdictions/)
  const explain = await policy('explain', '--to', 'DE')
  t.equal(explain.code, 2)
  t.match(explain.stderr, /explain needs --record FILE/)
  const help = await policy('--help')
  t.equal(help.code, 0)
})

t.test('invalid module exits with 1', async t => {
  const directory = t.testdir({ xx: { 'module.json': '{ "jurisdiction": "XX" ' } })
  const { code, stderr } = await policy('test', '--policies', directory, 'xx')
  t.equal(code, 1)
  t.match(stderr, /^nfp policy: ERR_POLICY_INVALID: .*xx\/module\.json:1:24: invalid JSON/)
})

t.test('explain reads linked records', async t => {
  const eu = JSON.parse(readFileSync(join(POLICIES, 'eu', 'tests.json'), 'utf8'))
  const directory = t.testdir({})
  writeFileSync(join(directory, 'seizure.json'), JSON.stringify(eu.records['se-seizure-with-persons']))
  writeFileSync(join(directory, 'linked.json'), JSON.stringify([eu.records['se-informant'], eu.records['se-suspect']]))
  const { code, stdout } = await policy('explain', '--policies', POLICIES, '--record', join(directory, 'seizure.json'), '--linked', join(directory, 'linked.json'), '--to', 'NL', '--now', NOW)
  t.equal(code, 0)
  t.match(stdout, /may be sent to NL without the links to urn:nfp:se:person:ps-2026-0009 and urn:nfp:se:person:ps-2026-0098\./)
})
