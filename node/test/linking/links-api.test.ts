import t from 'tap'
import { firearmDraft, personDraft, startCluster } from '../helpers/cluster.ts'

// Real nodes, real LevelDB, real HTTP and the committed ONNX models run by onnxruntime-node.
const cluster = await startCluster(['DE', 'NL'])
t.teardown(async () => { await cluster.close() })

const de = cluster.node('DE')
const nl = cluster.node('NL')
const auth = (node: typeof de): Record<string, string> => ({ authorization: `Bearer ${node.service.identity.apiToken}`, 'content-type': 'application/json' })

async function api (node: typeof de, method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> {
  const response = await fetch(node.url + path, { method, headers: auth(node), ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  return { status: response.status, body: await response.json() }
}

let linkId = ''

t.test('received firearm is linked to a local one', async t => {
  await de.service.ingest(firearmDraft('DE', 'glock-1', { make: 'Glock', model: '17 Gen4', calibre: '9 mm Luger', serialNumber: 'BDX12305' }))
  await de.service.share('urn:nfp:de:firearm:glock-1', 'NL')
  await nl.service.ingest(firearmDraft('NL', 'glock-a', { make: 'GLOCK', model: 'GLOCK17', calibre: '9x19 Para', serialNumber: 'BDX-123O5' }))

  const listed = await api(nl, 'GET', '/links?status=proposed')
  t.equal(listed.status, 200)
  t.equal(listed.body.length, 1)
  const link = listed.body[0]
  t.same(link.records, ['urn:nfp:de:firearm:glock-1', 'urn:nfp:nl:firearm:glock-a'])
  t.equal(link.kind, 'same-firearm')
  t.ok(link.score >= 0.9, `score ${link.score} is high`)
  t.match(link.scoredBy, /^linking@sha256:[0-9a-f]{64}$/)
  const outcomes = Object.fromEntries(link.evidence.map((e: any) => [e.feature, e.outcome]))
  t.same(outcomes, { serialNumber: 'similar', make: 'agree', model: 'agree', calibre: 'agree' })
  linkId = link.id
})

t.test('unrelated firearm gets no proposal', async t => {
  await nl.service.ingest(firearmDraft('NL', 'walther-1', { make: 'Walther', model: 'PP', calibre: '7.65 mm Browning', serialNumber: 'ZZ998877' }))
  const listed = await api(nl, 'GET', '/links?status=proposed')
  t.equal(listed.body.length, 1)
})

t.test('confirmed link becomes a signed RecordLink', async t => {
  const confirmed = await api(nl, 'POST', `/links/${linkId}/confirm`, { confirmedBy: 'Insp. A. Jansen', note: 'serial checked against the seizure photo' })
  t.equal(confirmed.status, 200)
  t.equal(confirmed.body.link.status, 'confirmed')
  const record = confirmed.body.record.signed.record
  t.equal(record.type, 'RecordLink')
  t.equal(record.id, `urn:nfp:nl:recordlink:${linkId}`)
  t.same(record.records, ['urn:nfp:de:firearm:glock-1', 'urn:nfp:nl:firearm:glock-a'])
  t.equal(record.confirmedBy, 'Insp. A. Jansen')
  t.equal(record.handlingCode, 'H0')
  t.equal(record.reviewBy, '2099-01-01')

  const stored = await api(nl, 'GET', `/records/${encodeURIComponent(record.id)}`)
  t.equal(stored.status, 200)
  const audit = await nl.service.store.listAudit(0, 10000)
  t.ok(audit.some((e: any) => e.event === 'link.confirmed' && e.actor === 'Insp. A. Jansen'), 'confirmation is audited')
})

t.test('decided link cannot be decided again', async t => {
  const again = await api(nl, 'POST', `/links/${linkId}/reject`, { rejectedBy: 'someone', reason: 'changed my mind' })
  t.equal(again.status, 409)
  t.equal(again.body.code, 'ERR_LINK_STATE')
  const missing = await api(nl, 'POST', '/links/lnk-000000000000000000000000/confirm', { confirmedBy: 'someone' })
  t.equal(missing.status, 404)
  t.equal(missing.body.code, 'ERR_LINK_NOT_FOUND')
})

t.test('RecordLink is shared after a decision', async t => {
  const id = `urn:nfp:nl:recordlink:${linkId}`
  const decision = await api(nl, 'POST', `/records/${encodeURIComponent(id)}/decision`, { to: 'DE' })
  t.equal(decision.body.effect, 'permit', 'DE originated one firearm and may receive the other')
  const shared = await api(nl, 'POST', `/records/${encodeURIComponent(id)}/share`, { to: 'DE' })
  t.equal(shared.status, 200)
  const received = await de.service.store.getRecord(id)
  t.equal(received?.signed.record.type, 'RecordLink')
})

t.test('RecordLink naming an informant stays', async t => {
  await nl.service.ingest({ ...personDraft('NL', 'inf-1', 'informant'), givenName: 'Dmitri', familyName: 'Ivanov', dateOfBirth: '1971-05-06' })
  await nl.service.ingest({ ...personDraft('NL', 'inf-2', 'informant'), givenName: 'Dmitry', familyName: 'Iwanow', dateOfBirth: '1971-05-06' })
  const proposals = (await api(nl, 'GET', '/links?status=proposed')).body.filter((l: any) => l.records.includes('urn:nfp:nl:person:inf-1'))
  t.equal(proposals.length, 1, 'transliterated names with the same birth date are proposed')
  const confirmed = await api(nl, 'POST', `/links/${proposals[0].id}/confirm`, { confirmedBy: 'Insp. C' })
  t.equal(confirmed.status, 200)
  const id = confirmed.body.record.signed.record.id
  const decision = await api(nl, 'POST', `/records/${encodeURIComponent(id)}/decision`, { to: 'DE' })
  t.equal(decision.body.effect, 'deny')
  const reasons = decision.body.reasons.filter((r: any) => r.ruleId === 'NODE-LINK-NAMED-RECORDS')
  t.equal(reasons.length, 2, 'one reason per named record')
  t.match(reasons[0].title, /EU-PD-02/)
})

t.test('rejected link is not proposed again', async t => {
  await nl.service.ingest(personDraft('NL', 'p-1', 'suspect'))
  await nl.service.ingest({ ...personDraft('NL', 'p-2', 'suspect') })
  const people = (await api(nl, 'GET', '/links?status=proposed')).body.filter((l: any) => l.kind === 'same-person')
  t.equal(people.length, 1, 'two records of the same synthetic person are proposed')
  const rejected = await api(nl, 'POST', `/links/${people[0].id}/reject`, { rejectedBy: 'Insp. B', reason: 'different persons, checked by phone' })
  t.equal(rejected.body.status, 'rejected')
  await nl.service.ingest({ ...personDraft('NL', 'p-2', 'suspect'), placeOfBirth: 'Utrecht' })
  const again = (await api(nl, 'GET', '/links?status=proposed')).body.filter((l: any) => l.kind === 'same-person')
  t.equal(again.length, 0)
})

t.test('health reports the loaded models', async t => {
  const health = await (await fetch(`${nl.url}/health`)).json() as any
  t.equal(health.models.available, true)
  t.same(health.models.models.map((m: any) => m.name), ['linking', 'triage'])
})

t.test('nfp links lists and rejects', async t => {
  const { join } = await import('node:path')
  const { nfp } = await import('../helpers/nfp.ts')
  const tokenFile = join(cluster.root, 'nl', 'data', 'keys', 'api-token')
  const listed = await nfp('links', 'list', '--api', nl.url, '--token-file', tokenFile, '--status', 'confirmed')
  t.equal(listed.code, 0, listed.stderr)
  t.match(listed.stdout, new RegExp(`${linkId}\\s+confirmed\\s+same-firearm`))
  t.match(listed.stdout, /evidence: serialNumber similar, make agree, model agree, calibre agree/)

  const again = await nfp('links', 'reject', '--api', nl.url, '--token-file', tokenFile, '--id', linkId, '--by', 'Insp. D', '--reason', 'not the same')
  t.equal(again.code, 1)
  t.match(again.stderr, /ERR_LINK_STATE/)
  const missing = await nfp('links', 'confirm', '--api', nl.url, '--token-file', tokenFile, '--id', linkId)
  t.equal(missing.code, 2)
  t.match(missing.stderr, /--by is required/)
})
