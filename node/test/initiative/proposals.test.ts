import t from 'tap'
import { personDraft, startCluster } from '../helpers/cluster.ts'
import { eventually } from '../requests/helpers.ts'

// Real FR, DE and NL nodes over libp2p on 127.0.0.1 with the shipped policy modules.
const cluster = await startCluster(['FR', 'DE', 'NL'])
t.teardown(async () => { await cluster.close() })
const fr = (): any => cluster.node('FR')
const de = (): any => cluster.node('DE')

function vehicleDraft (localId: string, registrationCountry: string): Record<string, unknown> {
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:fr:vehicle:${localId}`,
    type: 'Vehicle',
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2099-01-01',
    registrationPlate: `P-${localId}`,
    registrationCountry,
    make: 'Volkswagen'
  }
}

async function api (method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> {
  const response = await fetch(`${fr().url as string}${path}`, {
    method,
    headers: { authorization: `Bearer ${fr().service.identity.apiToken as string}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  return { status: response.status, body: await response.json() }
}

t.test('relevant record is proposed and shared on confirm', async t => {
  await fr().service.ingest(vehicleDraft('van-1', 'DE'))
  await fr().proposals.settled()
  const listed = await api('GET', '/proposals?status=proposed')
  const proposal = listed.body.find((p: any) => p.recordId === 'urn:nfp:fr:vehicle:van-1')
  t.equal(proposal.peer, 'DE', 'proposed for the country of registration only')
  t.equal(listed.body.filter((p: any) => p.recordId === 'urn:nfp:fr:vehicle:van-1').length, 1, 'not for NL')
  t.same(proposal.relevance.rules, ['EU-INIT-01'])
  t.match(proposal.relevance.citations[0], /Art\. 7\(1\) \[IED-50\]/)
  t.equal(proposal.outbound.effect, 'permit')
  t.equal(await de().service.store.getRecord('urn:nfp:fr:vehicle:van-1'), undefined, 'nothing left before confirmation')

  const confirmed = await api('POST', `/proposals/${proposal.proposalId as string}/confirm`, { actor: 'M. Durand' })
  t.equal(confirmed.status, 200)
  t.equal(confirmed.body.status, 'confirmed')
  t.ok(await eventually(async () => (await de().service.store.getRecord('urn:nfp:fr:vehicle:van-1')) !== undefined), 'DE received the record')
  const again = await api('POST', `/proposals/${proposal.proposalId as string}/confirm`, { actor: 'M. Durand' })
  t.equal(again.status, 409)
  t.equal(again.body.code, 'ERR_PROPOSAL_STATE')

  const events = (await fr().service.store.listAudit(0, 10_000)).filter((e: any) => e.recordId === 'urn:nfp:fr:vehicle:van-1' || e.messageId === proposal.proposalId)
  const names = events.map((e: any) => e.event)
  for (const name of ['record.created', 'initiative.proposed', 'initiative.confirmed', 'copy.produced']) t.ok(names.includes(name), name)
  t.ok(events.some((e: any) => e.event === 'policy.decision' && e.actor === 'M. Durand' && e.decision === 'permit'), 'outbound decided again on confirmation')
  const copies = await api('GET', '/copies')
  const copy = copies.body.find((c: any) => c.proposalId === proposal.proposalId)
  t.equal(copy.exchange, 'initiative')
  t.equal(copy.status, 'awaiting-channel')
})

t.test('dismissed proposal shares nothing', async t => {
  await fr().service.ingest(vehicleDraft('van-2', 'DE'))
  await fr().proposals.settled()
  const proposal = (await fr().proposals.list('proposed')).find((p: any) => p.recordId === 'urn:nfp:fr:vehicle:van-2')
  const dismissed = await api('POST', `/proposals/${proposal.proposalId as string}/dismiss`, { actor: 'M. Durand', note: 'Already known to DE.' })
  t.equal(dismissed.body.status, 'dismissed')
  t.equal(dismissed.body.note, 'Already known to DE.')
  t.equal(await de().service.store.getRecord('urn:nfp:fr:vehicle:van-2'), undefined)
  const missing = await api('POST', '/proposals/nothing/dismiss', {})
  t.equal(missing.body.code, 'ERR_PROPOSAL_NOT_FOUND')
})

t.test('Art. 7(2) exception makes no proposal', async t => {
  await fr().service.ingest({ ...personDraft('FR', 'informant-de', 'informant'), nationality: ['DE'] })
  await fr().proposals.settled()
  t.equal((await fr().proposals.list()).filter((p: any) => p.recordId === 'urn:nfp:fr:person:informant-de').length, 0)
  const audit = await fr().service.store.listAudit(0, 10_000)
  const exception = audit.find((e: any) => e.event === 'initiative.not-proposed' && e.recordId === 'urn:nfp:fr:person:informant-de')
  t.equal(exception.code, 'JEOPARDISE_INVESTIGATION_OR_SAFETY')
  t.match(exception.detail, /Art\. 7\(2\)/)
})

t.test('new version replaces an open proposal', async t => {
  await fr().service.ingest(vehicleDraft('van-3', 'DE'))
  await fr().proposals.settled()
  await fr().service.ingest({ ...vehicleDraft('van-3', 'DE'), make: 'Renault' })
  await fr().proposals.settled()
  const all = (await fr().proposals.list()).filter((p: any) => p.recordId === 'urn:nfp:fr:vehicle:van-3')
  t.same(all.map((p: any) => p.status).sort(), ['dismissed', 'proposed'])
  t.match(all.find((p: any) => p.status === 'dismissed').note, /^replaced by /)
})
