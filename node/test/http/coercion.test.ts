import t from 'tap'
import { startCluster } from '../helpers/cluster.ts'

// Real DE and SE nodes with the committed models, so /triage is served as in production.
const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => { await cluster.close() })
const de = cluster.node('DE')
const headers = { authorization: `Bearer ${de.service.identity.apiToken}`, 'content-type': 'application/json' }

async function post (path: string, body: unknown): Promise<{ status: number, body: any }> {
  const response = await fetch(`${de.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
  return { status: response.status, body: await response.json() }
}

t.test('wrong-typed body fields are rejected', async t => {
  const cases: Array<[string, string, unknown]> = [
    ['boolean title', '/triage', { title: true }],
    ['numeric VIN', '/hits/queries', { identifier: { type: 'vin', vin: 12345678901234567 }, actor: 'K. Weber' }],
    ['string timeout', '/hits/queries', { identifier: { type: 'vin', vin: '1HGCM82633A004352' }, timeoutMs: '5000', actor: 'K. Weber' }],
    ['string Europol copy flag', '/cases/x/answer', { actor: 'M. Durand', europolCopy: { copy: 'false', reason: 'none' } }]
  ]
  for (const [name, path, body] of cases) {
    const result = await post(path, body)
    t.equal(result.status, 400, `${name}: status`)
    t.equal(result.body.code, 'ERR_HTTP_REQUEST_INVALID', `${name}: code`)
  }
})

t.test('query strings are still coerced', async t => {
  const response = await fetch(`${de.url}/audit?after=0&limit=2`, { headers })
  t.equal(response.status, 200)
  t.equal((await response.json() as { entries: unknown[] }).entries.length, 2)
  const bad = await fetch(`${de.url}/audit?limit=two`, { headers })
  t.equal(bad.status, 400)
})
