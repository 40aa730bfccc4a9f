import t from 'tap'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'
import { completeRequest } from './helpers.ts'

const cluster = await startCluster(['FR', 'DE'])
t.teardown(async () => { await cluster.close() })
const fr = (): any => cluster.node('FR')
const de = (): any => cluster.node('DE')
await fr().service.ingest(firearmDraft('FR', 'pistol-1', { serialNumber: 'SN-100' }))

/** Posts a request for information from DE to FR and returns the status and body. */
async function postRequest (content: unknown): Promise<{ status: number, body: any }> {
  const response = await fetch(`${de().url as string}/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${de().service.identity.apiToken as string}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'FR', content, actor: 'K. Weber' })
  })
  return { status: response.status, body: await response.json() }
}

t.test('bad content is neither stored nor sent', async t => {
  const contents = [
    { ...completeRequest(), extra: 'should never reach FR' },
    completeRequest({ informationSought: { description: 'Pistol', ids: ['y'.repeat(100_000)] } })
  ]
  for (const content of contents) {
    const { status, body } = await postRequest(content)
    t.equal(status, 400)
    t.equal(body.code, 'ERR_REQUEST_INVALID')
  }
  t.equal((await de().requests.listRequests()).length, 0, 'DE stored no request')
  t.equal((await fr().requests.listCases()).length, 0, 'FR opened no case')
})

t.test('valid content still goes through', async t => {
  const { status, body } = await postRequest(completeRequest({ informationSought: { description: 'Pistol', ids: ['urn:nfp:fr:firearm:pistol-1'] } }))
  t.equal(status, 201)
  t.equal(body.status, 'received')
})
