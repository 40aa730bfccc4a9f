import t from 'tap'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { Level } from 'level'
import { pino } from 'pino'
import { evaluateDirect, hitTokensOf, normaliseIdentifier, oprfInputOf } from '../../../protocol/src/index.ts'
import type { IdentifierInput } from '../../../protocol/src/index.ts'
import { POLICIES_DIR, firearmDraft, startCluster } from '../helpers/cluster.ts'
import { completeRequest, eventually } from '../requests/helpers.ts'

// The test policies are the repository's, with one national rule that forbids NL to query
// online handles at SE.
const policies = t.testdir()
cpSync(POLICIES_DIR, policies, { recursive: true })
const seModule = JSON.parse(readFileSync(join(policies, 'se', 'module.json'), 'utf8'))
seModule.hitQueries = [{
  id: 'SE-HITQ-01',
  title: 'NL may not query online handles at SE (a test rule).',
  sources: [{ act: 'Test Act', article: 'Art. 1', checked: false }],
  requesters: ['NL'],
  identifierTypes: ['online-handle'],
  effect: 'deny'
}]
writeFileSync(join(policies, 'se', 'module.json'), JSON.stringify(seModule, null, 2))

const logs = new Map<string, string[]>()
const RATE_LIMIT = 40
const cluster = await startCluster(['DE', 'NL', 'SE'], {
  policiesDir: policies,
  config: { hits: { maxEvaluationsPerMinute: RATE_LIMIT, queryTimeoutMs: 3000 } },
  logger: (jurisdiction) => {
    const lines: string[] = logs.get(jurisdiction) ?? []
    logs.set(jurisdiction, lines)
    return pino({ level: 'debug' }, new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } }))
  }
})
t.teardown(async () => await cluster.close())

const se = cluster.node('SE')
await se.service.ingest(firearmDraft('SE', 'fa-1', { serialNumber: 'ABC-123456', make: 'Glock' }))
await se.service.ingest({
  '@context': 'urn:ceasefire:context:v1',
  id: 'urn:nfp:se:onlineidentity:seller-1',
  type: 'OnlineIdentity',
  handle: 'CheapGunz',
  platform: 'Agora',
  handlingCode: 'H0',
  grading: { sourceReliability: 'B', informationAccuracy: 2 },
  legalBasis: 'Directive (EU) 2023/977 Art. 7',
  reviewBy: '2099-01-01'
})

const serial = (serialNumber: string, make = 'Glock'): IdentifierInput => ({ type: 'firearm-serial', serialNumber, make })
const statusOf = (result: Awaited<ReturnType<typeof se.hits.query>>, jurisdiction: string): string | undefined =>
  result.results.find(entry => entry.jurisdiction === jurisdiction)?.status

t.test('serial variants and homoglyphs hit', async t => {
  for (const variant of ['ABC123456', 'abc 123 456', 'АВС-123-456', 'ΑΒC.123.456', 'A8C I23 4S6']) {
    const result = await cluster.node('DE').hits.query(serial(variant, 'GLOCK GmbH'))
    t.equal(statusOf(result, 'SE'), 'hit', `${variant} hits at SE`)
    t.equal(statusOf(result, 'NL'), 'no-hit', `${variant} does not hit at NL`)
    const hit = result.results.find(entry => entry.jurisdiction === 'SE')?.hit
    t.same(hit?.matches, [{ reference: 'urn:nfp:se:firearm:fa-1', jurisdiction: 'SE' }], 'the hit names only the reference and the owner')
  }
})

t.test('new record is found through a filter delta', async t => {
  const before = se.hits.index.filterState('firearm-serial').version
  await se.service.ingest(firearmDraft('SE', 'fa-2', { serialNumber: 'NEW-0042', make: 'Beretta' }))
  t.equal(se.hits.index.filterState('firearm-serial').version, before + 1)
  const result = await cluster.node('DE').hits.query(serial('new 0042', 'Beretta'))
  t.equal(statusOf(result, 'SE'), 'hit', 'DE brings its copy of the filter up to date and finds the new serial')
  const audit = await se.service.store.listAudit(0, 100_000)
  t.ok(audit.some(entry => entry.event === 'hit.index' && entry.recordId === 'urn:nfp:se:firearm:fa-2' && entry.decision === 'permit'), 'the index decision is audited')
})

t.test('different serial gives no hit', async t => {
  for (const other of ['ABC123457', 'ABC12345', 'XABC123456']) {
    const result = await cluster.node('DE').hits.query(serial(other))
    t.equal(statusOf(result, 'SE'), 'no-hit', `${other} does not hit`)
  }
  const otherMake = await cluster.node('DE').hits.query(serial('ABC123456', 'Walther'))
  t.equal(statusOf(otherMake, 'SE'), 'no-hit', 'the same serial of another make does not hit')
})

t.test('seller handle hits across platforms spelt differently', async t => {
  const result = await cluster.node('DE').hits.query({ type: 'online-handle', handle: '@cheapgunz', platform: 'AGORA' })
  t.equal(statusOf(result, 'SE'), 'hit')
  const lookalike = await cluster.node('DE').hits.query({ type: 'online-handle', handle: 'cheapgunz0', platform: 'agora' })
  t.equal(statusOf(lookalike, 'SE'), 'no-hit')
})

t.test('non-matching query leaves no trace', async t => {
  const seLogStart = logs.get('SE')!.length
  const auditBefore = (await se.service.store.listAudit(0, 100_000)).length
  const query = serial('QQ-778899', 'Walther')
  const result = await cluster.node('DE').hits.query(query)
  t.equal(statusOf(result, 'SE'), 'no-hit')

  const identifier = normaliseIdentifier(query)
  const key = await se.service.store.read<{ secretKey: string }>('hit-index', 'k!firearm-serial')
  const output = evaluateDirect(Uint8Array.from(Buffer.from(key!.secretKey, 'hex')), oprfInputOf(identifier))
  const { tag, token } = hitTokensOf(output)
  const traces = [
    'QQ-778899', 'QQ778899', '778899', identifier.normalised,
    Buffer.from(output).toString('hex'), Buffer.from(output).toString('base64url'),
    Buffer.from(token).toString('hex'), Buffer.from(token).toString('base64url'), Buffer.from(tag).toString('hex')
  ]

  const audit = (await se.service.store.listAudit(0, 100_000)).slice(auditBefore)
  t.same(audit.map(entry => [entry.event, entry.peer, entry.detail]), [['hit.evaluate', 'DE', 'identifier type firearm-serial']], 'one audit entry names requester and type')
  const seLogs = logs.get('SE')!.slice(seLogStart).join('\n')
  for (const trace of traces) {
    t.notOk(JSON.stringify(audit).includes(trace), `audit has no ${trace.slice(0, 16)}`)
    t.notOk(seLogs.includes(trace), `log has no ${trace.slice(0, 16)}`)
  }

  // Everything SE stores, read straight from its LevelDB files while it is stopped.
  await cluster.stop('SE')
  const db = new Level<string, string>(join(cluster.configs.get('SE')!.dataDir, 'db'), { valueEncoding: 'utf8' })
  const dump = (await db.iterator().all()).map(([k, v]) => `${k}\n${v}`).join('\n')
  await db.close()
  await cluster.start('SE')
  t.ok(dump.includes(Buffer.from(hitTokensOf(evaluateDirect(Uint8Array.from(Buffer.from(key!.secretKey, 'hex')), oprfInputOf(normaliseIdentifier(serial('ABC123456'))))).token).toString('hex')), 'the dump does contain the indexed serial token, so the search works')
  for (const trace of traces) t.notOk(dump.includes(trace), `database has no ${trace.slice(0, 16)}`)
})

t.test('hit turns into a request', async t => {
  const de = cluster.node('DE')
  const result = await de.hits.query(serial('abc-123-456'))
  const hit = result.results.find(entry => entry.jurisdiction === 'SE')?.hit
  t.ok(hit, 'SE reports a hit')
  t.equal(Date.parse(hit!.followUpBy) - Date.parse(hit!.at), 48 * 3_600_000, 'the follow-up period is 48 hours')
  t.equal(hit!.identifier, 'GLOCK:A8C123456', 'the querier keeps the normalised identifier')

  const elements = completeRequest()
  const response = await fetch(`${de.url}/hits/${hit!.hitId}/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${de.service.identity.apiToken}` },
    body: JSON.stringify({ purpose: elements.purpose, urgency: elements.urgency, useRestrictions: elements.useRestrictions, europolCopy: elements.europolCopy, actor: 'K. Weber' })
  })
  t.equal(response.status, 201)
  const body = await response.json() as { hit: { requestId: string, overdue: boolean }, request: { requestId: string, status: string, content: { informationSought: { ids: string[] } } } }
  t.equal(body.hit.requestId, body.request.requestId)
  t.equal(body.request.status, 'received', 'SE acknowledged the request')
  t.same(body.request.content.informationSought.ids, ['urn:nfp:se:firearm:fa-1'])

  const again = await fetch(`${de.url}/hits/${hit!.hitId}/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${de.service.identity.apiToken}` },
    body: JSON.stringify({ purpose: elements.purpose, urgency: elements.urgency, useRestrictions: elements.useRestrictions, europolCopy: elements.europolCopy, actor: 'K. Weber' })
  })
  t.equal(again.status, 409)
  t.equal((await again.json() as { code: string }).code, 'ERR_CASE_STATE')

  const incoming = await fetch(`${cluster.node('SE').url}/hits/${hit!.hitId}`, { headers: { authorization: `Bearer ${cluster.node('SE').service.identity.apiToken}` } })
  t.equal(incoming.status, 200)
  const seHit = await incoming.json() as { direction: string, peer: string, followUpBy: string, identifier?: string }
  t.equal(seHit.direction, 'incoming')
  t.equal(seHit.peer, 'DE')
  t.equal(seHit.followUpBy, hit!.followUpBy, 'both ends show the same follow-up period')
  t.equal(seHit.identifier, undefined, 'the responder keeps no identifier')
  t.ok(await eventually(async () => (await cluster.node('SE').hits.getHit(hit!.hitId)).requestId === body.request.requestId), 'SE links the request to the hit it follows')
  const cases = await cluster.node('SE').requests.listCases()
  t.ok(cases.some(entry => entry.requestId === body.request.requestId && entry.items.some(item => item.recordId === 'urn:nfp:se:firearm:fa-1')), 'SE opened a case on the hit record')
})

t.test('policy forbids a query type', async t => {
  const result = await cluster.node('NL').hits.query({ type: 'online-handle', handle: 'cheapgunz', platform: 'agora' })
  const atSe = result.results.find(entry => entry.jurisdiction === 'SE')
  t.equal(atSe?.status, 'rejected')
  t.equal(atSe?.code, 'ERR_HIT_TYPE_FORBIDDEN')
  t.match(atSe?.message, /SE-HITQ-01/)
  const audit = await cluster.node('SE').service.store.listAudit(0, 100_000)
  t.ok(audit.some(entry => entry.event === 'hit.rejected' && entry.peer === 'NL' && entry.code === 'ERR_HIT_TYPE_FORBIDDEN'))
  const allowed = await cluster.node('DE').hits.query({ type: 'online-handle', handle: 'cheapgunz', platform: 'agora' })
  t.equal(statusOf(allowed, 'SE'), 'hit', 'DE may still query handles')
})

t.test('rate limit per requester', async t => {
  const statuses: string[] = []
  let limited: { code?: string, status: string } | undefined
  for (let i = 0; i < RATE_LIMIT + 2; i++) {
    const result = await cluster.node('NL').hits.query(serial(`ZZ${i}`), { peers: ['SE'] })
    const atSe = result.results[0]!
    statuses.push(atSe.status)
    if (atSe.code === 'ERR_HIT_RATE_LIMITED') { limited = atSe; break }
  }
  t.ok(limited, `SE rate-limited NL after ${statuses.length - 1} queries`)
  t.equal(limited?.status, 'unanswered', 'a rate-limited peer is unanswered, not a no-hit')
  const fromDe = await cluster.node('DE').hits.query(serial('ABC123456'), { peers: ['SE'] })
  t.equal(fromDe.results[0]?.status, 'hit', 'the limit is per requester')
})

t.test('offline peer is unanswered', async t => {
  await cluster.stop('NL')
  const result = await cluster.node('DE').hits.query(serial('ABC123456'), { timeoutMs: 1500 })
  const atNl = result.results.find(entry => entry.jurisdiction === 'NL')
  t.equal(atNl?.status, 'unanswered')
  t.match(atNl?.code, /^ERR_PEER_(UNREACHABLE|TIMEOUT)$/)
  t.equal(statusOf(result, 'SE'), 'hit')
  t.ok(result.durationMs < 5000, `the query ended within its time limit (${result.durationMs} ms)`)
})

t.test('invalid identifier is rejected before sending', async t => {
  const de = cluster.node('DE')
  const response = await fetch(`${de.url}/hits/queries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${de.service.identity.apiToken}` },
    body: JSON.stringify({ identifier: { type: 'wallet-address', chain: 'bitcoin', address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb' }, actor: 'K. Weber' })
  })
  t.equal(response.status, 400)
  t.equal((await response.json() as { code: string }).code, 'ERR_IDENTIFIER_CHECKSUM')
})
