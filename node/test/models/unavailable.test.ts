import t from 'tap'
import { firearmDraft, startCluster } from '../helpers/cluster.ts'

// Stubbed: the ONNX runtime. NFP_ONNXRUNTIME_MODULE names a module that does not exist, which
// is what a node sees when the optional onnxruntime-node is not installed. Everything else is
// real: nodes, LevelDB, HTTP and libp2p on 127.0.0.1.
process.env.NFP_ONNXRUNTIME_MODULE = 'onnxruntime-node-not-installed'
const cluster = await startCluster(['DE', 'NL'])
delete process.env.NFP_ONNXRUNTIME_MODULE
t.teardown(async () => { await cluster.close() })

const nl = cluster.node('NL')
const de = cluster.node('DE')
const headers = { authorization: `Bearer ${nl.service.identity.apiToken}`, 'content-type': 'application/json' }

t.test('health says models are unavailable', async t => {
  const health = await (await fetch(`${nl.url}/health`)).json() as any
  t.equal(health.status, 'ok')
  t.equal(health.models.available, false)
  t.match(health.models.reason, /onnxruntime-node-not-installed/)
  t.same(health.models.models, [])
})

t.test('linking and triage endpoints return ERR_MODEL_UNAVAILABLE', async t => {
  const requests: Array<[string, string, unknown?]> = [
    ['GET', '/links?status=proposed'],
    ['POST', '/links/lnk-000000000000000000000000/confirm', { confirmedBy: 'x' }],
    ['POST', '/triage', { title: 'Glock 17 Gen 4' }],
    ['GET', '/triage']
  ]
  for (const [method, path, body] of requests) {
    const response = await fetch(nl.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
    t.equal(response.status, 503, `${method} ${path}`)
    t.equal(((await response.json()) as any).code, 'ERR_MODEL_UNAVAILABLE', `${method} ${path}`)
  }
})

t.test('ingest and share still work', async t => {
  const ingested = await nl.service.ingest(firearmDraft('NL', 'no-models-1'))
  t.equal(ingested.status, 'created')
  const outcome = await nl.service.share('urn:nfp:nl:firearm:no-models-1', 'DE')
  t.equal(outcome.delivery.status, 'stored')
  t.ok(await de.service.store.getRecord('urn:nfp:nl:firearm:no-models-1'))
})
