import t from 'tap'
import { startCluster } from '../helpers/cluster.ts'

// A real node with the committed triage model run by onnxruntime-node.
const cluster = await startCluster(['SE'])
t.teardown(async () => { await cluster.close() })
const se = cluster.node('SE')
const headers = { authorization: `Bearer ${se.service.identity.apiToken}`, 'content-type': 'application/json' }

async function triage (body: unknown): Promise<any> {
  const response = await fetch(`${se.url}/triage`, { method: 'POST', headers, body: JSON.stringify(body) })
  t.equal(response.status, 200)
  return await response.json()
}

t.test('listing texts get their class', async t => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ title: 'Glock 19 Gen 3 9mm & 2 Mags', subcategory: 'Lethal firearms' }, 'firearm'],
    [{ title: '9mm Luger FMJ - 50pcs', subcategory: 'Ammunition' }, 'ammunition'],
    [{ title: 'Butterfly Knife Black', subcategory: 'Melee' }, 'melee'],
    [{ title: 'Slide for Glock 17', subcategory: 'Lethal firearms' }, 'parts-or-conversion-kit'],
    [{ title: 'Pepperspray', subcategory: 'Ammunition' }, 'other']
  ]
  for (const [listing, expected] of cases) {
    const result = await triage(listing)
    t.equal(result.class, expected, listing.title)
    t.ok(result.confidence > 0 && result.confidence <= 1)
    t.match(result.scoredBy, /^triage@sha256:/)
  }
})

t.test('offer fields come with a confidence', async t => {
  const result = await triage({ title: 'Glock 19 Gen 3 9mm & 2 Mags', subcategory: 'Lethal firearms' })
  t.equal(result.offer.make.value, 'Glock')
  t.equal(result.offer.model.value, '19 Gen 3')
  t.equal(result.offer.calibre.value, '9x19mm Parabellum')
  t.ok(result.offer.make.confidence > 0.5 && result.offer.make.confidence <= 0.9)
  const knife = await triage({ title: 'Butterfly Knife Black', subcategory: 'Melee' })
  t.same(knife.offer, {})
})

t.test('blank-firing words set the class by rule', async t => {
  const result = await triage({ title: 'Schreckschuss pistol Walther P99 9mm PAK, converted', subcategory: 'Lethal firearms' })
  t.equal(result.class, 'blank-or-alarm-weapon')
  t.equal(result.rule, 'blank-or-alarm-words')
})

t.test('stored listing is triaged at ingest', async t => {
  const stored = await se.service.ingest({
    '@context': 'urn:ceasefire:context:v1',
    id: 'urn:nfp:se:weblisting:triage-1',
    type: 'WebListing',
    handlingCode: 'H0',
    grading: { sourceReliability: 'X', informationAccuracy: 4 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2099-01-01',
    platform: 'Agora',
    title: '.45 ACP Blazer Brand Ammo (25 Rounds)',
    marketSubcategory: 'Ammunition'
  })
  t.equal(stored.status, 'created')
  const response = await fetch(`${se.url}/records/${encodeURIComponent('urn:nfp:se:weblisting:triage-1')}/triage`, { headers })
  const body = await response.json() as any
  t.equal(body.result.class, 'ammunition')
  t.equal(body.result.offer.calibre.value, '.45 ACP')
  t.equal(body.versionHash, stored.stored.signed.record.versionHash)

  const listed = await (await fetch(`${se.url}/triage?class=ammunition`, { headers })).json() as any[]
  t.same(listed.map(item => item.recordId), ['urn:nfp:se:weblisting:triage-1'])
})

t.test('other record types are not triaged', async t => {
  await se.service.ingest({ '@context': 'urn:ceasefire:context:v1', id: 'urn:nfp:se:firearm:triage-f', type: 'Firearm', handlingCode: 'H0', grading: { sourceReliability: 'B', informationAccuracy: 2 }, legalBasis: 'Directive (EU) 2023/977 Art. 7', reviewBy: '2099-01-01', make: 'Glock' })
  const response = await fetch(`${se.url}/records/${encodeURIComponent('urn:nfp:se:firearm:triage-f')}/triage`, { headers })
  t.equal(response.status, 400)
  t.equal(((await response.json()) as any).code, 'ERR_RECORD_INVALID')
})
