import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../../src/cli/args.ts'
import { auditVerifyCommand, formatReport } from '../../src/cli/audit.ts'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'
import { flipEventByte, nfp } from './helpers.ts'

// SE changes one byte of one of its audit entries while stopped. `nfp audit verify` must name that
// entry, and DE must notice at the first exchange after SE restarts.
const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => { await cluster.close() })

const de = (): any => cluster.node('DE')
const se = (): any => cluster.node('SE')
const seConfig = cluster.configs.get('SE')!
const seDb = join(seConfig.dataDir, 'db')
const seToken = join(seConfig.dataDir, 'keys', 'api-token')
const seConfigPath = seConfig.configPath
let tamperedSeq = 0

// The cluster keeps its configurations in memory; the command line reads them from node.json.
const { configPath: _path, ...seConfigFile } = seConfig
writeFileSync(seConfigPath, JSON.stringify(seConfigFile, null, 2))

t.test('intact log verifies through the API', async t => {
  for (const id of ['t-1', 't-2', 't-3']) {
    await se().service.ingest(firearmDraft('SE', id))
    const [outcome] = await de().auditHeads.exchangeNow(['SE'])
    t.equal(outcome.status, 'consistent', id)
  }
  const entries = await se().service.store.listAudit(0, 10000)
  tamperedSeq = entries.find((e: any) => e.event === 'record.created' && e.recordId === 'urn:nfp:se:firearm:t-2').seq

  const { code, stdout, stderr } = await nfp('audit', 'verify', '--api', se().url, '--token-file', seToken)
  t.equal(code, 0, stderr)
  t.match(stdout, /^SE audit log: \d+ entries, last seq \d+$/m)
  t.match(stdout, /^chain: intact$/m)
  t.match(stdout, /^own signed heads: \d+ checked, all match the log/m)
  t.match(stdout, /^result: intact$/m)
})

t.test('intact stopped node verifies', async t => {
  await cluster.stop('SE')
  const { code, stdout, stderr } = await nfp('audit', 'verify', '--config', seConfigPath)
  t.equal(code, 0, stderr)
  t.match(stdout, /^result: intact$/m)
})

t.test('one changed byte is reported', async t => {
  await flipEventByte(seDb, tamperedSeq, 'c', 'k')

  const { code, stdout, stderr } = await nfp('audit', 'verify', '--config', seConfigPath, '--json')
  t.equal(code, 1, stderr)
  const report = JSON.parse(stdout)
  t.equal(report.intact, false)
  t.equal(report.brokenAt, tamperedSeq)
  t.equal(report.chain.broken.seq, tamperedSeq)
  t.equal(report.chain.broken.problem, 'entry-hash')
  t.equal(report.ownHeads.intact, true, 'the stored hashes still match the heads; the content does not')

  // The text form of the same report, as the command prints it without --json.
  const text = formatReport(report)
  t.match(text, new RegExp(`^chain: BROKEN at seq ${tamperedSeq}: entry hash mismatch: audit entry ${tamperedSeq} has hash sha256:[0-9a-f]{64}, but its content hashes to sha256:[0-9a-f]{64}$`, 'm'))
  t.match(text, new RegExp(`^result: BROKEN from seq ${tamperedSeq}$`, 'm'))
})

t.test('peer notices after restart', async t => {
  await cluster.start('SE')
  const auditBefore = (await de().service.store.listAudit(0, 10000)).length

  const [outcome] = await de().auditHeads.exchangeNow(['SE'])
  t.equal(outcome.status, 'mismatch')
  const broken = outcome.mismatches.find((m: any) => m.kind === 'chain-broken')
  t.equal(broken?.seq, tamperedSeq)

  const added = await de().service.store.listAudit(auditBefore, 100)
  const entry = added.find((e: any) => e.event === 'audit.peer-mismatch')
  t.equal(entry?.peer, 'SE')
  t.match(entry?.detail, new RegExp(`^seq ${tamperedSeq}: chain-broken: `))

  const heads = await de().app.inject({ method: 'GET', url: '/audit/heads', headers: { authorization: `Bearer ${de().service.identity.apiToken}` } })
  const peer = heads.json().peers.find((p: any) => p.jurisdiction === 'SE')
  t.equal(peer.mismatch, true)
  t.equal(peer.mismatches[0].seq, tamperedSeq)
  t.equal(peer.mismatches[0].kind, 'chain-broken')

  await de().auditHeads.exchangeNow(['SE'])
  const again = await de().service.store.listAudit(auditBefore, 100)
  t.equal(again.filter((e: any) => e.event === 'audit.peer-mismatch').length, 1, 'audited once, not at every exchange')
})

t.test('damaged node stops signing heads', async t => {
  const status = await se().auditHeads.status()
  t.equal(status.checks.brokenAt, tamperedSeq)
  const ownSeq = status.own.latest.seq

  await se().service.ingest(firearmDraft('SE', 't-4'))
  const head = await se().auditHeads.signHead()
  t.equal(head.seq, ownSeq, 'no head over a log that fails its check')

  const audit = await se().service.store.listAudit(0, 10000)
  const failed = audit.find((e: any) => e.event === 'audit.verify-failed')
  t.match(failed?.detail, new RegExp(`^seq ${tamperedSeq}: `))
})

t.test('running damaged node fails verify', async t => {
  const { code, stdout } = await nfp('audit', 'verify', '--api', se().url, '--token-file', seToken)
  t.equal(code, 1)
  t.match(stdout, new RegExp(`^chain: BROKEN at seq ${tamperedSeq}: entry hash mismatch`, 'm'))
})

t.test('verify refuses a running node database', async t => {
  const { code, stderr } = await nfp('audit', 'verify', '--config', seConfigPath)
  t.equal(code, 1)
  t.match(stderr, /^nfp audit verify: ERR_STORE_FAILURE: cannot open database .* it is in use, probably by the running node/m)
})

t.test('verify options are checked', async t => {
  const run = async (values: Record<string, string>): Promise<number> => await auditVerifyCommand.run(values)
  await t.rejects(run({}), { constructor: UsageError, message: /give --config FILE for a stopped node, or --api URL and --token-file FILE/ })
  await t.rejects(run({ config: seConfigPath, api: se().url }), { constructor: UsageError, message: /not both/ })
  await t.rejects(run({ api: se().url }), { constructor: UsageError, message: /--token-file is required with --api/ })
  await t.rejects(run({ config: seConfigPath, 'token-file': seToken }), { constructor: UsageError, message: /--token-file is used only with --api/ })
})

t.test('unknown audit subcommand fails', async t => {
  const { code, stderr } = await nfp('audit', 'check')
  t.equal(code, 2)
  t.match(stderr, /^nfp audit: unknown subcommand `check`/)
})
