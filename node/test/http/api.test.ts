import t from 'tap'
import { firearmDraft, personDraft, startCluster } from '../helpers/cluster.ts'

const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => { await cluster.close() })

const se = cluster.node('SE')
const auth = { authorization: `Bearer ${se.service.identity.apiToken}` }
const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = auth): Promise<{ status: number, body: any }> => {
  const response = await se.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) })
  return { status: response.statusCode, body: response.json() }
}

t.test('health needs no token', async t => {
  const { status, body } = await call('GET', '/health', undefined, {})
  t.equal(status, 200)
  t.equal(body.jurisdiction, 'SE')
  t.same(body.members, ['DE', 'SE'])
})

t.test('requests without a token are refused', async t => {
  const { status, body } = await call('GET', '/records', undefined, {})
  t.equal(status, 401)
  t.equal(body.code, 'ERR_AUTH_REQUIRED')
  const wrong = await call('GET', '/records', undefined, { authorization: 'Bearer nope' })
  t.equal(wrong.status, 401)
})

t.test('ingest creates, then reports unchanged', async t => {
  const first = await call('POST', '/records', firearmDraft('SE', 'api-1'))
  t.equal(first.status, 201)
  t.equal(first.body.status, 'created')
  t.match(first.body.versionHash, /^sha256:[0-9a-f]{64}$/)
  const again = await call('POST', '/records', firearmDraft('SE', 'api-1'))
  t.equal(again.status, 200)
  t.equal(again.body.status, 'unchanged')
  t.equal(again.body.versionHash, first.body.versionHash)
  const changed = await call('POST', '/records', firearmDraft('SE', 'api-1', { model: '19' }))
  t.equal(changed.body.status, 'updated')
})

t.test('unknown field is rejected, not stripped', async t => {
  const { status, body } = await call('POST', '/records', firearmDraft('SE', 'api-unknown', { barrelColour: 'black' }))
  t.equal(status, 400)
  t.equal(body.code, 'ERR_RECORD_INVALID')
  t.equal(body.field, 'barrelColour')
  const lookup = await call('GET', '/records/urn:nfp:se:firearm:api-unknown')
  t.equal(lookup.status, 404, 'nothing was stored')
  t.equal(lookup.body.code, 'ERR_RECORD_NOT_FOUND')
})

t.test('invalid value names its field', async t => {
  const { status, body } = await call('POST', '/records', firearmDraft('SE', 'api-bad', { handlingCode: 'H7' }))
  t.equal(status, 400)
  t.equal(body.field, 'handlingCode')
})

t.test('foreign record cannot be ingested', async t => {
  const { status, body } = await call('POST', '/records', firearmDraft('DE', 'api-foreign'))
  t.equal(status, 403)
  t.equal(body.code, 'ERR_RECORD_NOT_OWNED')
})

t.test('get returns record and signature', async t => {
  const { status, body } = await call('GET', '/records/urn:nfp:se:firearm:api-1')
  t.equal(status, 200)
  t.equal(body.origin, 'local')
  t.equal(body.signed.record.provenance.jurisdiction, 'SE')
  t.equal(body.signed.record.provenance.agency, 'SE test agency')
  t.equal(body.signed.signature.version, 2)
  t.match(body.signed.signature.batch, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'the batch root statement is a compact JWS')
  t.type(body.signed.signature.seed, 'string', 'the originator holds the seed of every salt')
  t.equal(body.removed, undefined, 'nothing was removed from a local record')
})

t.test('list filters by type', async t => {
  await call('POST', '/records', personDraft('SE', 'api-person', 'suspect'))
  const firearms = await call('GET', '/records?type=Firearm')
  t.ok(firearms.body.items.length >= 1)
  t.ok(firearms.body.items.every((i: any) => i.signed.record.type === 'Firearm'))
  const persons = await call('GET', '/records?type=Person&limit=1')
  t.equal(persons.body.items.length, 1)
  const bad = await call('GET', '/records?limit=0')
  t.equal(bad.status, 400)
  t.equal(bad.body.code, 'ERR_HTTP_REQUEST_INVALID')
  const unknownType = await call('GET', '/records?type=Tank')
  t.equal(unknownType.status, 400)
})

t.test('share returns the decision', async t => {
  const { status, body } = await call('POST', '/records/urn:nfp:se:firearm:api-1/share', { to: 'DE' }, { ...auth, 'x-operator': 'NOA-4711' })
  t.equal(status, 200)
  t.equal(body.decision.effect, 'permit')
  t.equal(body.delivery.status, 'stored')
  t.ok(body.decision.reasons.every((r: any) => typeof r.citation === 'string' && r.citation.length > 0))
})

t.test('denied share is 403 with reasons', async t => {
  await call('POST', '/records', personDraft('SE', 'api-informant', 'informant'))
  const { status, body } = await call('POST', '/records/urn:nfp:se:person:api-informant/share', { to: 'DE' })
  t.equal(status, 403)
  t.equal(body.code, 'ERR_POLICY_DENIED')
  t.equal(body.decision.effect, 'deny')
  t.ok(body.decision.reasons.length > 0)
})

t.test('decision endpoint sends nothing', async t => {
  const { status, body } = await call('POST', '/records/urn:nfp:se:person:api-person/decision', { to: 'DE' })
  t.equal(status, 200)
  t.equal(body.effect, 'permit')
  const atDe = await cluster.node('DE').service.store.getRecord('urn:nfp:se:person:api-person')
  t.equal(atDe, undefined)
})

t.test('share body rejects extra fields', async t => {
  const { status, body } = await call('POST', '/records/urn:nfp:se:firearm:api-1/share', { to: 'DE', cc: 'NL' })
  t.equal(status, 400)
  t.equal(body.code, 'ERR_HTTP_REQUEST_INVALID')
})

t.test('peers show connection state', async t => {
  const { body } = await call('GET', '/peers')
  const de = body.find((p: any) => p.jurisdiction === 'DE')
  t.equal(de.connection, 'connected')
  t.equal(body.find((p: any) => p.jurisdiction === 'SE').connection, 'self')
})

t.test('audit log is chained and readable', async t => {
  const { status, body } = await call('GET', '/audit?limit=1000')
  t.equal(status, 200)
  t.equal(body.chainValid, true)
  const events = body.entries.map((e: any) => e.event)
  t.ok(events.includes('record.created'))
  t.ok(events.includes('policy.decision'))
  t.ok(events.includes('share.delivered'))
  t.notOk(JSON.stringify(body).includes('ABC123'), 'audit entries hold no record contents')
  const disclosure = body.entries.find((e: any) => e.event === 'policy.decision' && e.actor === 'operator NOA-4711')
  t.ok(disclosure, 'the decision names the operator who asked')
  t.equal(disclosure.legalBasis, 'Directive (EU) 2023/977 Art. 7', 'and the legal basis of the record')
  const page = await call('GET', `/audit?after=${body.entries[0].seq}&limit=1`)
  t.equal(page.body.entries[0].seq, body.entries[0].seq + 1)
})

t.test('OpenAPI document lists the routes', async t => {
  const response = await se.app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(response.statusCode, 200)
  const paths = Object.keys(response.json().paths)
  for (const p of ['/health', '/records', '/records/{id}', '/records/{id}/share', '/peers', '/audit']) t.ok(paths.includes(p), p)
})

t.test('transport errors use the error shape', async t => {
  const notJson = await se.app.inject({ method: 'POST', url: '/records', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"type":' })
  t.equal(notJson.statusCode, 400)
  t.equal(notJson.json().code, 'ERR_HTTP_REQUEST_INVALID')

  const big = await se.app.inject({ method: 'POST', url: '/records', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) })
  t.equal(big.statusCode, 413)
  t.equal(big.json().code, 'ERR_HTTP_BODY_TOO_LARGE')

  const text = await se.app.inject({ method: 'POST', url: '/records', headers: { ...auth, 'content-type': 'application/xml' }, payload: '<record/>' })
  t.equal(text.statusCode, 415)
  t.equal(text.json().code, 'ERR_HTTP_MEDIA_TYPE')

  const missing = await se.app.inject({ method: 'GET', url: '/nothing-here', headers: auth })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'ERR_HTTP_ROUTE_NOT_FOUND')
})

t.test('body values are not coerced', async t => {
  const { status, body } = await call('POST', '/records/urn:nfp:se:firearm:api-1/share', { to: ['DE'] })
  t.equal(status, 400)
  t.equal(body.code, 'ERR_HTTP_REQUEST_INVALID')
})

t.test('plain text body is 415', async t => {
  const response = await se.app.inject({ method: 'POST', url: '/records', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(response.statusCode, 415)
  t.equal(response.json().code, 'ERR_HTTP_MEDIA_TYPE')
})

t.test('decision for self is refused', async t => {
  const { status, body } = await call('POST', '/records/urn:nfp:se:firearm:api-1/decision', { to: 'SE' })
  t.equal(status, 404)
  t.equal(body.code, 'ERR_PEER_UNKNOWN')
})

t.test('keep mode leaves a stored record', async t => {
  const kept = await call('POST', '/records?existing=keep', firearmDraft('SE', 'api-1', { model: '26' }))
  t.equal(kept.status, 200)
  t.equal(kept.body.status, 'kept')
  const stored = await call('GET', '/records/urn:nfp:se:firearm:api-1')
  t.equal(stored.body.signed.record.model, '19', 'the stored version is unchanged')
})

t.test('type filter error names the values', async t => {
  const { status, body } = await call('GET', '/records?type=Bomb')
  t.equal(status, 400)
  t.equal(body.message.match(/must be equal to one of/g)?.length, 1)
})

t.test('peers show delivery state', async t => {
  const { body } = await call('GET', '/peers')
  const de = body.find((p: any) => p.jurisdiction === 'DE')
  t.equal(de.delivery.queued, 0)
  t.ok(de.delivery.acknowledged >= 1, 'shares to DE were acknowledged')
  t.equal(de.delivery.failures, 0)
  t.equal(body.find((p: any) => p.jurisdiction === 'SE').delivery, undefined)
})

t.test('revoke and disclosures over HTTP', async t => {
  await call('POST', '/records', firearmDraft('SE', 'api-revoke'))
  await call('POST', '/records/urn:nfp:se:firearm:api-revoke/share', { to: 'DE' })
  const revoked = await call('POST', '/records/urn:nfp:se:firearm:api-revoke/revoke', { reason: 'entered in error' })
  t.equal(revoked.status, 202)
  t.same(revoked.body.peers, ['DE'])
  let report: any[] = []
  for (let i = 0; i < 100; i++) {
    report = (await call('GET', '/records/urn:nfp:se:firearm:api-revoke/disclosures')).body
    if (report[0]?.deletionConfirmed === true) break
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  t.equal(report[0].peer, 'DE')
  t.equal(report[0].status, 'revoked')
  t.equal(report[0].deletionConfirmed, true)
  const foreign = await call('POST', '/records', firearmDraft('SE', 'api-revoke-2'))
  t.equal(foreign.status, 201)
  const bad = await call('POST', '/records/urn:nfp:se:firearm:api-revoke/revoke', { reason: 'x' })
  t.equal(bad.status, 400, 'a reason of fewer than three characters is refused')
})
