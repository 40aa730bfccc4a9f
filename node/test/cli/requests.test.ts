import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'
import { nfp } from '../helpers/nfp.ts'
import { completeRequest } from '../requests/helpers.ts'

// Real FR and DE nodes; `nfp` runs as a child process against their HTTP APIs, as an operator would.
const tmp = mkdtempSync(join(tmpdir(), 'nfp-cli-requests-'))
const cluster = await startCluster(['FR', 'DE'])
t.teardown(async () => {
  await cluster.close()
  rmSync(tmp, { recursive: true, force: true })
})
const fr = (): any => cluster.node('FR')
const de = (): any => cluster.node('DE')
await fr().service.ingest(firearmDraft('FR', 'cli-pistol', { serialNumber: 'SN-CLI' }))

function connection (node: any, name: string): string[] {
  const file = join(tmp, `${name}-token`)
  writeFileSync(file, node.service.identity.apiToken, { mode: 0o600 })
  return ['--api', node.url, '--token-file', file]
}
const atDe = (): string[] => connection(de(), 'de')
const atFr = (): string[] => connection(fr(), 'fr')

t.test('operator runs a request through the CLI', async t => {
  const file = join(tmp, 'request.json')
  writeFileSync(file, JSON.stringify(completeRequest({ informationSought: { description: 'CLI pistol', ids: ['urn:nfp:fr:firearm:cli-pistol'] } })))
  const sent = await nfp('request', 'send', '--to', 'FR', '--file', file, '--actor', 'K. Weber', '--json', ...atDe())
  t.equal(sent.code, 0, sent.stderr)
  const request = JSON.parse(sent.stdout)
  t.equal(request.status, 'received')
  const caseId = `de-${request.requestId as string}`

  const queue = await nfp('case', 'list', ...atFr())
  t.equal(queue.code, 0, queue.stderr)
  t.match(queue.stdout, new RegExp(`${caseId}  from DE  open`))
  t.match(queue.stdout, request.deadline, 'queue shows the deadline')

  const clarify = await nfp('case', 'clarify', caseId, '--question', 'Which seizure report?', ...atFr())
  t.equal(clarify.code, 0, clarify.stderr)
  t.match(clarify.stdout, /deadline: {2}paused \(clarification\)/)
  const shown = await nfp('request', 'show', request.requestId, ...atDe())
  t.match(shown.stdout, /clarification asked .*Which seizure report\?.*\[unanswered/)
  const answered = await nfp('request', 'clarify', request.requestId, '--answer', 'Report 2026/55.', '--actor', 'K. Weber', ...atDe())
  t.equal(answered.code, 0, answered.stderr)

  const badGround = await nfp('case', 'refuse', caseId, '1', '--ground', 'TOO_BUSY', '--note', 'No time.', '--actor', 'M. Durand', ...atFr())
  t.equal(badGround.code, 1)
  t.match(badGround.stderr, /^nfp case: ERR_REFUSAL_GROUND_INVALID: `TOO_BUSY` is not a refusal ground .* \(field: ground\)/)
  const refused = await nfp('case', 'refuse', caseId, '1', '--ground', 'NOT_AN_OFFENCE', '--note', 'Not an offence here.', '--actor', 'M. Durand', ...atFr())
  t.equal(refused.code, 0, refused.stderr)
  t.match(refused.stdout, /1\. urn:nfp:fr:firearm:cli-pistol \(Firearm\) refused: NOT_AN_OFFENCE/)
  const sentAnswer = await nfp('case', 'answer', caseId, '--actor', 'M. Durand', ...atFr())
  t.equal(sentAnswer.code, 0, sentAnswer.stderr)
  t.match(sentAnswer.stdout, /status: {4}answered \(refused\)/)

  const final = await nfp('request', 'show', request.requestId, ...atDe())
  t.match(final.stdout, /status: {4}refused/)
  t.match(final.stdout, /refused urn:nfp:fr:firearm:cli-pistol: NOT_AN_OFFENCE: Not an offence here\./)
})

t.test('missing element and bad usage', async t => {
  const file = join(tmp, 'incomplete.json')
  const { purpose: _purpose, ...incomplete } = completeRequest()
  writeFileSync(file, JSON.stringify(incomplete))
  const invalid = await nfp('request', 'send', '--to', 'FR', '--file', file, '--actor', 'K. Weber', ...atDe())
  t.equal(invalid.code, 1)
  t.match(invalid.stderr, /ERR_REQUEST_INVALID: `purpose` is missing .*Art\. 4\(5\)\(b\).*\(field: purpose\)/)
  const noSub = await nfp('case', ...atFr())
  t.equal(noSub.code, 2)
  const unknown = await nfp('case', 'close', 'x', ...atFr())
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown subcommand `close`/)
  const help = await nfp('case', '--help')
  t.equal(help.code, 0)
  t.match(help.stdout, /NOT_AVAILABLE, REQUEST_INVALID/)
  const missing = await nfp('case', 'show', 'de-nothing', ...atFr())
  t.equal(missing.code, 1)
  t.match(missing.stderr, /ERR_CASE_NOT_FOUND/)
})

t.test('disclosing subcommands need an actor', async t => {
  const file = join(tmp, 'actor.json')
  writeFileSync(file, JSON.stringify(completeRequest({ informationSought: { description: 'CLI pistol', ids: ['urn:nfp:fr:firearm:cli-pistol'] } })))
  const unnamed = await nfp('request', 'send', '--to', 'FR', '--file', file, ...atDe())
  t.equal(unnamed.code, 2)
  t.match(unnamed.stderr, /--actor is required, or set NFP_ACTOR/)

  process.env.NFP_ACTOR = 'K. Weber'
  const fromEnv = await nfp('request', 'send', '--to', 'FR', '--file', file, '--json', ...atDe()).finally(() => { delete process.env.NFP_ACTOR })
  t.equal(fromEnv.code, 0, fromEnv.stderr)
  const requestId = JSON.parse(fromEnv.stdout).requestId
  const audit = await cluster.node('DE').service.store.listAudit(0, 10_000)
  t.equal(audit.find((e: any) => e.event === 'request.sent' && e.messageId === requestId)?.actor, 'K. Weber', 'NFP_ACTOR is recorded')

  const answer = await nfp('case', 'answer', `de-${requestId as string}`, ...atFr())
  t.equal(answer.code, 2)
  t.match(answer.stderr, /--actor is required/)
})
