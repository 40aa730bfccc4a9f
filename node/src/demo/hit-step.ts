import type { DemoNode } from './federation.ts'

interface QueryView {
  queryId: string
  durationMs: number
  results: Array<{ jurisdiction: string, status: string, code?: string, hit?: { hitId: string, followUpBy: string, matches: Array<{ reference: string, jurisdiction: string }> } }>
}

/**
 * Demo step for hit/no-hit queries: DE asks every other node whether it knows the handle of an
 * Agora seller whose listings ship from Sweden, typed the way an investigator might (upper
 * case, with an @), without revealing the handle to a node that does not hold it. The hit at SE
 * names only the record and its owner, and DE turns it into a request for information in one step.
 */
export async function runHitStep (
  node: (jurisdiction: string) => DemoNode,
  imported: Map<string, Array<Record<string, any>>>,
  print: (line: string) => void,
  expect: (ok: boolean, what: string) => void
): Promise<void> {
  print('')
  print('== Hit/no-hit: DE asks every node about a real Agora seller handle without revealing it, then follows the hit up')
  const seller = imported.get('SE')?.find(draft => draft.type === 'OnlineIdentity')
  if (seller === undefined) {
    expect(false, 'SE holds an Agora seller to query')
    return
  }
  const typed = `@${String(seller.handle).toUpperCase()}`
  const query = await node('DE').api.request<QueryView>('POST', '/hits/queries', {
    identifier: { type: 'online-handle', handle: typed, platform: 'agora' },
    actor: 'K. Weber (DE SPOC)'
  })
  for (const result of query.results) {
    const detail = result.hit === undefined
      ? result.code ?? ''
      : `${result.hit.matches.map(match => `${match.reference} (owned by ${match.jurisdiction})`).join(', ')}; follow up by ${result.hit.followUpBy}`
    print(`    DE queried "${typed}" on agora at ${result.jurisdiction}: ${result.status.toUpperCase()} ${detail}`.trimEnd())
  }
  const hit = query.results.find(result => result.jurisdiction === 'SE')?.hit
  expect(hit?.matches.some(match => match.reference === seller.id && match.jurisdiction === 'SE') === true, 'the seller handle hits at SE with only a reference and the owner')
  expect(query.results.every(result => result.status === 'hit' || result.status === 'no-hit'), 'every node answers the hit query')
  if (hit === undefined) return

  const followed = await node('DE').api.request<{ request: { requestId: string, status: string } }>('POST', `/hits/${hit.hitId}/request`, {
    purpose: { description: 'Identify the Agora seller offering weapons shipped to Germany', facts: 'A parcel with a weapon offered under this handle was seized in Hamburg (demo facts).', offence: 'Illicit trafficking in weapons, munitions and explosives' },
    urgency: { urgent: false },
    useRestrictions: 'Use only for this investigation.',
    europolCopy: { copy: false, reason: 'Demo: no Europol copy.' },
    actor: 'K. Weber (DE SPOC)'
  })
  print(`    DE turns hit ${hit.hitId} into request ${followed.request.requestId} to SE in one step (${followed.request.status})`)
  const incoming = await node('SE').api.request<{ direction: string, peer: string, followUpBy: string }>('GET', `/hits/${hit.hitId}`)
  print(`    SE shows the hit from ${incoming.peer} with the same follow-up period, until ${incoming.followUpBy}`)
  expect(followed.request.status === 'received', 'the follow-up request reaches SE')
  expect(incoming.followUpBy === hit.followUpBy, 'both ends show the same follow-up period')
}
