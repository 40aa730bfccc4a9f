import t from 'tap'
import { firearmDraft, personDraft, startCluster } from '../helpers/cluster.ts'
import { completeRequest } from './helpers.ts'

const cluster = await startCluster(['FR', 'DE'])
t.teardown(async () => { await cluster.close() })
const fr = (): any => cluster.node('FR')
const de = (): any => cluster.node('DE')

await fr().service.ingest(firearmDraft('FR', 'pistol-1', { serialNumber: 'SN-100' }))
await fr().service.ingest(personDraft('FR', 'informant-1', 'informant'))

/** Sends a JSON request to FR's HTTP API and returns the status and body. */
async function callFr (path: string, body: unknown): Promise<{ status: number, body: any }> {
  const response = await fetch(`${fr().url as string}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fr().service.identity.apiToken as string}`, 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: response.status, body: await response.json() }
}

/** Opens a case at FR for the pistol (item 1, permitted) and the informant (item 2, refused by policy). */
async function openCase (): Promise<string> {
  const sent = await de().requests.send('FR', completeRequest({ informationSought: { description: 'Pistol and informant', ids: ['urn:nfp:fr:firearm:pistol-1', 'urn:nfp:fr:person:informant-1'] } }), 'K. Weber')
  return `de-${sent.requestId as string}`
}

t.test('refused item cannot be refused again', async t => {
  const caseId = await openCase()
  const first = await callFr(`/cases/${caseId}/items/1/refuse`, { ground: 'NOT_AN_OFFENCE', note: 'Not an offence in France.', actor: 'M. Durand' })
  t.equal(first.status, 200)

  const second = await callFr(`/cases/${caseId}/items/1/refuse`, { ground: 'MINOR_OFFENCE', note: 'Minor offence.', actor: 'M. Durand' })
  t.equal(second.status, 409)
  t.equal(second.body.code, 'ERR_CASE_STATE')
  const stored = await fr().requests.getCase(caseId)
  t.equal(stored.items[0].refusal.ground, 'NOT_AN_OFFENCE', 'the first ground stays')
})

t.test('policy refusal cannot be replaced', async t => {
  const caseId = await openCase()
  t.equal((await fr().requests.getCase(caseId)).items[1].status, 'refused')
  const replaced = await callFr(`/cases/${caseId}/items/2/refuse`, { ground: 'NOT_AN_OFFENCE', note: 'xxxx', actor: 'M. Durand' })
  t.equal(replaced.status, 409)
  t.equal(replaced.body.code, 'ERR_CASE_STATE')
  t.equal((await fr().requests.getCase(caseId)).items[1].refusal.ground, 'JEOPARDISE_INVESTIGATION_OR_SAFETY')
})

t.test('decided items cannot be approved', async t => {
  const caseId = await openCase()
  for (const item of ['1', '2']) {
    const approved = await callFr(`/cases/${caseId}/items/${item}/approve`, { approvedBy: 'L. Officer', role: 'legal-officer' })
    t.equal(approved.status, 409, `item ${item} is decided`)
    t.equal(approved.body.code, 'ERR_CASE_STATE', `item ${item} gets ERR_CASE_STATE`)
  }
})

t.test('refusal and answer need an actor', async t => {
  const caseId = await openCase()
  for (const body of [{ ground: 'NOT_AN_OFFENCE', note: 'Not an offence in France.' }, { ground: 'NOT_AN_OFFENCE', note: 'Not an offence in France.', actor: '  ' }]) {
    const refused = await callFr(`/cases/${caseId}/items/1/refuse`, body)
    t.equal(refused.status, 400)
    t.equal(refused.body.code, 'ERR_ACTOR_REQUIRED')
    t.equal(refused.body.field, 'actor')
  }
  t.equal((await fr().requests.getCase(caseId)).items[0].status, 'permitted', 'the item was not refused')

  const answered = await callFr(`/cases/${caseId}/answer`, {})
  t.equal(answered.status, 400)
  t.equal(answered.body.code, 'ERR_ACTOR_REQUIRED')
  t.equal((await fr().requests.getCase(caseId)).status, 'open', 'nothing was sent')

  const named = await callFr(`/cases/${caseId}/answer`, { actor: 'M. Durand' })
  t.equal(named.status, 200)
  const audit = (await fr().service.store.listAudit(0, 10_000)).filter((e: any) => e.messageId === named.body.requestId && e.event === 'request.answered')
  t.equal(audit[0]?.actor, 'M. Durand')
})

t.test('request and hit query need an actor', async t => {
  const before = (await de().requests.listRequests()).length
  const headers = { authorization: `Bearer ${de().service.identity.apiToken as string}`, 'content-type': 'application/json' }
  const request = await fetch(`${de().url as string}/requests`, { method: 'POST', headers, body: JSON.stringify({ to: 'FR', content: completeRequest() }) })
  t.equal(request.status, 400)
  t.equal((await request.json() as any).code, 'ERR_ACTOR_REQUIRED')
  t.equal((await de().requests.listRequests()).length, before, 'no request was stored')

  const query = await fetch(`${de().url as string}/hits/queries`, { method: 'POST', headers, body: JSON.stringify({ identifier: { type: 'firearm-serial', serialNumber: 'SN-100', make: 'Glock' } }) })
  t.equal(query.status, 400)
  t.equal((await query.json() as any).code, 'ERR_ACTOR_REQUIRED')
})
