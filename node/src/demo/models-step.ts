import type { DemoNode } from './federation.ts'

interface Health { models: { available: boolean, reason?: string } }
interface Triaged { recordId: string, title: string, result: { class: string, confidence: number, offer: Record<string, { value: string, confidence: number } | undefined> } }
interface LinkView { id: string, records: [string, string], kind: string, score: number, status: string, recordLinkId?: string, evidence: Array<{ feature: string, outcome: string }> }

const COMMON = {
  '@context': 'urn:ceasefire:context:v1',
  handlingCode: 'H0',
  grading: { sourceReliability: 'B', informationAccuracy: 2 },
  legalBasis: 'Directive (EU) 2023/977 Art. 7 (information provided on own initiative)',
  provenance: { sourceReference: 'SYNTHETIC-DEMO: invented record, not real data' }
}

/**
 * The demo step of the linking and triage models: listings triaged at import, and links the
 * receiving node proposes between a record it stores and one that another node sent it. Nodes
 * without the optional onnxruntime-node skip the step and say why.
 */
export async function runModelsStep (node: (jurisdiction: string) => DemoNode, reviewBy: string, print: (line: string) => void, expect: (ok: boolean, what: string) => void): Promise<void> {
  const health = await node('NL').api.request<Health>('GET', '/health')
  if (!health.models.available) {
    print(`    models unavailable, step skipped: ${health.models.reason ?? 'no reason given'}`)
    return
  }

  // Triage of the imported listings.
  for (const jurisdiction of ['DE', 'NL', 'SE']) {
    const triaged = await node(jurisdiction).api.request<Triaged[]>('GET', '/triage?limit=1000')
    const counts = new Map<string, number>()
    for (const item of triaged) counts.set(item.result.class, (counts.get(item.result.class) ?? 0) + 1)
    print(`    ${jurisdiction} triaged ${triaged.length} listings: ${Array.from(counts, ([name, n]) => `${name} ${n}`).join(', ')}`)
    expect(triaged.length > 0, `${jurisdiction} triaged its imported listings`)
  }
  const parts = await node('NL').api.request<Triaged[]>('GET', '/triage?class=parts-or-conversion-kit&limit=3')
  for (const item of parts) {
    const offer = Object.entries(item.result.offer).map(([field, value]) => `${field} ${value?.value ?? ''} (${value?.confidence ?? 0})`).join(', ')
    print(`    NL: "${item.title}" -> ${item.result.class} (${item.result.confidence})${offer === '' ? '' : `; offers ${offer}`}`)
  }
  expect(parts.length > 0, 'slides and frames filed under Lethal firearms are triaged as parts')

  // A firearm seized in DE and one recorded in NL, written differently.
  const deFirearm = { ...COMMON, id: 'urn:nfp:de:firearm:demo-seized-1', type: 'Firearm', reviewBy, make: 'GLOCK', model: 'GLOCK17', calibre: '9x19 Para', serialNumber: 'BDX 123 O5', firearmKind: 'pistol' }
  const nlFirearm = { ...COMMON, id: 'urn:nfp:nl:firearm:demo-stolen-1', type: 'Firearm', reviewBy, make: 'Glock', model: '17 Gen4', calibre: '9 mm Luger', serialNumber: 'BDX12305', firearmKind: 'pistol' }
  await node('DE').api.request('POST', '/records?existing=update', deFirearm)
  await node('NL').api.request('POST', '/records?existing=update', nlFirearm)
  await node('DE').api.request('POST', `/records/${encodeURIComponent(deFirearm.id)}/share`, { to: 'NL' })
  // A seller seen by SE under a changed handle. DE stores the Agora vendor MaxMustermann.
  const seHandle = { ...COMMON, id: 'urn:nfp:se:onlineidentity:demo-handle-1', type: 'OnlineIdentity', reviewBy, handle: 'Max_Mustermann1', platform: 'Agora' }
  await node('SE').api.request('POST', '/records?existing=update', seHandle)
  await node('SE').api.request('POST', `/records/${encodeURIComponent(seHandle.id)}/share`, { to: 'DE' })

  // On a rerun with kept data the firearm link is already confirmed, so every status is read.
  const proposed = [
    ...await node('NL').api.request<LinkView[]>('GET', '/links?limit=1000'),
    ...await node('DE').api.request<LinkView[]>('GET', '/links?limit=1000')
  ].filter(link => link.records.includes(deFirearm.id) || link.records.includes(seHandle.id))
  for (const link of proposed) {
    print(`    ${link.status} ${link.kind}, score ${link.score}: ${link.records.join(' = ')}`)
    print(`      evidence: ${link.evidence.map(e => `${e.feature} ${e.outcome}`).join(', ')}`)
  }
  const firearmLink = proposed.find(link => link.records.includes(deFirearm.id) && link.records.includes(nlFirearm.id))
  expect(firearmLink !== undefined, 'NL proposes a link between the DE and the NL firearm')
  expect(proposed.some(link => link.kind === 'same-online-identity' && link.records.includes(seHandle.id)), 'DE proposes a link between the SE handle and its Agora vendor')

  if (firearmLink !== undefined) {
    const linkId = firearmLink.recordLinkId ?? (await node('NL').api.request<{ record: { signed: { record: { id: string } } } }>('POST', `/links/${firearmLink.id}/confirm`, { confirmedBy: 'J. de Vries (NL NFP, demo)', note: 'serial read from the seizure photo (demo)' })).record.signed.record.id
    await node('NL').api.request('POST', `/records/${encodeURIComponent(linkId)}/share`, { to: 'DE' })
    const atDe = await node('DE').api.request<{ signed: { record: { type: string } } }>('GET', `/records/${encodeURIComponent(linkId)}`)
    print(`    NL confirmed the firearm link as ${linkId} and shared it with DE`)
    expect(atDe.signed.record.type === 'RecordLink', 'DE holds the confirmed RecordLink')
  }
}
