import { readFileSync } from 'node:fs'
import { NfpError } from '@ceasefire/protocol'
import { planAgoraImport } from '../import/agora.ts'
import type { DemoNode } from './federation.ts'
import { runModelsStep } from './models-step.ts'
import { syntheticPerson } from './synthetic.ts'
import { runHitStep } from './hit-step.ts'

/** Path of the real Agora listings shipped in the repository. */
export const AGORA_CSV = new URL('../../../data/agora-weapons-2014/agora_weapons_listings_2014Q1.csv', import.meta.url)

export interface ScenarioReport {
  steps: number
  failures: string[]
}

interface Reason { ruleId: string, citation: string, title: string, refusalGround?: string, fields?: string[] }
interface Decision { effect: 'permit' | 'deny', removedFields: string[], reasons: Reason[] }
interface StoredView { signed: { record: Record<string, any> }, origin: string, hops: Array<{ jurisdiction: string, to: string }>, removed?: Array<{ path: string, by?: string }> }

/**
 * Runs the demo scenario. It imports the real listings at the nodes they ship from, shares
 * them, and shows one permit, one redaction, one denial per rule family and one relay, each
 * explained by the rule and its legal citation. A check whose outcome differs from the
 * expected one is counted as a failure.
 */
export async function runScenario (nodes: Map<string, DemoNode>, print: (line: string) => void): Promise<ScenarioReport> {
  const failures: string[] = []
  let steps = 0
  const node = (j: string): DemoNode => nodes.get(j) as DemoNode
  const expect = (ok: boolean, what: string): void => {
    steps++
    if (ok) return
    failures.push(what)
    print(`    !! FAILED: ${what}`)
  }

  // 1. Import.
  print('')
  print('== 1. Import 143 real Agora weapons listings (2014) at the node of the country they ship from')
  const csv = readFileSync(AGORA_CSV, 'utf8')
  const plan = planAgoraImport(csv, { jurisdictions: Array.from(nodes.keys()), defaultJurisdiction: 'NL', now: new Date() })
  for (const error of plan.errors) print(`    line ${error.line}: ${error.code}: ${error.message}`)
  expect(plan.errors.length === 0, `the shipped CSV imports without bad rows (got ${plan.errors.length})`)
  const imported = new Map<string, Array<Record<string, any>>>()
  for (const row of plan.rows) {
    const list = imported.get(row.jurisdiction) ?? []
    list.push(...row.drafts)
    imported.set(row.jurisdiction, list)
  }
  for (const [jurisdiction, drafts] of imported) {
    let created = 0
    for (const draft of drafts) {
      const result = await node(jurisdiction).api.request<{ status: string }>('POST', '/records?existing=keep', draft)
      if (result.status === 'created' || result.status === 'updated') created++
    }
    const rows = plan.rows.filter(r => r.jurisdiction === jurisdiction)
    const freeText = rows.filter(r => r.shipFromRaw !== undefined && !isCountryOf(r.shipFromRaw, jurisdiction)).length
    print(`    ${jurisdiction}: ${rows.length} listings -> ${drafts.length} records (${created} new)${freeText > 0 ? `, ${freeText} with a free-text or non-member origin kept as shipFromRaw` : ''}`)
  }

  // 2. Share listings from their home node.
  print('')
  print('== 2. Each node shares two firearm or ammunition listings, their sellers and the offered items with the others')
  for (const [from, drafts] of imported) {
    const listings = drafts.filter(isOfferListing).slice(0, 2)
    for (const listing of listings) {
      const ids = [listing.id, listing.seller, ...listing.offers].filter((x): x is string => typeof x === 'string')
      for (const to of nodes.keys()) {
        if (to === from) continue
        for (const id of ids) {
          const outcome = await share(node(from), id, to)
          if (id === listing.id) print(`    ${from} -> ${to}  "${String(listing.title)}": ${describe(outcome)}`)
          expect(outcome.effect === 'permit' && outcome.delivered, `${from} shares ${id} with ${to}`)
        }
      }
    }
  }
  const sample = imported.get('SE')?.find(isOfferListing)
  if (sample !== undefined) {
    const copy = await get(node('DE'), sample.id)
    print(`    DE now holds ${sample.id}: origin ${copy?.origin}, signed by ${copy?.signed.record.provenance.jurisdiction}, verified on receipt`)
    expect(copy?.origin === 'received' && copy.signed.record.provenance.jurisdiction === 'SE', 'DE holds the SE listing as a received, SE-signed record')
  }

  // 3. Persons: permit, redaction, denial.
  print('')
  print('== 3. SE shares synthetic persons linked to a seller: suspect, witness and informant')
  const reviewBy = new Date(Date.now() + 365 * 86400000).toISOString().slice(0, 10)
  const seller = sample?.seller as string | undefined
  const persons = [
    syntheticPerson({ jurisdiction: 'SE', localId: 'demo-suspect-1', subjectCategory: 'suspect', seed: 11, reviewBy, ...(seller === undefined ? {} : { linkedRecords: [seller] }) }),
    syntheticPerson({ jurisdiction: 'SE', localId: 'demo-witness-1', subjectCategory: 'witness', seed: 12, reviewBy }),
    syntheticPerson({ jurisdiction: 'SE', localId: 'demo-informant-1', subjectCategory: 'informant', seed: 13, reviewBy })
  ]
  for (const person of persons) await node('SE').api.request('POST', '/records', person)

  const suspect = await share(node('SE'), persons[0]!.id, 'DE')
  print(`    SE -> DE  suspect ${persons[0]!.id}: ${describe(suspect)}`)
  expect(suspect.effect === 'permit' && suspect.removedFields.length === 0, 'the suspect record is shared in full')

  const witness = await share(node('SE'), persons[1]!.id, 'DE')
  print(`    SE -> DE  witness ${persons[1]!.id}: ${describe(witness)}`)
  const witnessAtDe = await get(node('DE'), persons[1]!.id)
  const leaked = witness.removedFields.filter(f => witnessAtDe?.signed.record[f] !== undefined)
  const removedAtDe = (witnessAtDe?.removed ?? []).map(r => `${r.path} by ${r.by ?? 'an unknown holder'}`)
  print(`    DE copy of the witness lacks ${witness.removedFields.join(', ') || '(nothing)'}; DE records as removed: ${removedAtDe.join(', ') || '(nothing)'}`)
  expect(witness.effect === 'permit' && witness.removedFields.length > 0, 'the witness record is shared with fields removed')
  expect(witnessAtDe !== undefined && leaked.length === 0, `no removed field reaches DE (leaked: ${leaked.join(', ') || 'none'})`)

  const informant = await share(node('SE'), persons[2]!.id, 'DE')
  print(`    SE -> DE  informant ${persons[2]!.id}: ${describe(informant)}`)
  expect(informant.effect === 'deny' && !informant.delivered, 'the informant record is denied')
  expect(await get(node('DE'), persons[2]!.id) === undefined, 'DE does not hold the informant record')

  // 4. Handling code H3.
  print('')
  print('== 4. NL holds a seizure report marked H3 (free-text restrictions) and tries to share it with SE')
  const h3 = {
    '@context': 'urn:ceasefire:context:v1',
    id: 'urn:nfp:nl:seizure:demo-h3-1',
    type: 'Seizure',
    handlingCode: 'H3',
    handlingConditions: 'Not to be used in court before the controlled delivery ends.',
    grading: { sourceReliability: 'A', informationAccuracy: 1 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7 (information provided on own initiative)',
    reviewBy,
    date: '2014-03-02',
    country: 'NL',
    place: 'Port of Rotterdam (demo)',
    description: 'Demo seizure of a parcel with pistol parts; invented for the demo.'
  }
  await node('NL').api.request('POST', '/records', h3)
  const h3Outcome = await share(node('NL'), h3.id, 'SE')
  print(`    NL -> SE  ${h3.id}: ${describe(h3Outcome)}`)
  expect(h3Outcome.effect === 'deny', 'the H3 record is denied until its restrictions are structured')

  // 5. Relay with and without the originator's consent.
  print('')
  print('== 5. DE passes an SE listing on to NL: first without, then with SE\'s consent')
  // A listing step 2 did not send anywhere, so NL can only get it through DE.
  const relaySample = imported.get('SE')?.filter(isOfferListing)[2]
  if (relaySample !== undefined) {
    // On a repeated run the listing may still carry last run's consent, so start without it.
    await node('SE').api.request('POST', '/records', relaySample)
    const toDe = await share(node('SE'), relaySample.id, 'DE')
    print(`    SE -> DE  "${String(relaySample.title)}": ${describe(toDe)}`)
    const refused = await share(node('DE'), relaySample.id, 'NL')
    print(`    DE -> NL  ${relaySample.id} (originator SE, no consent): ${describe(refused)}`)
    expect(refused.effect === 'deny', 'DE may not pass on an SE record without SE\'s consent')

    // The new version reaches DE by itself: a node sends updates to every earlier recipient.
    await node('SE').api.request('POST', '/records', { ...relaySample, onwardSharingConsent: ['NL'] })
    const consentAtDe = await waitFor(async () => (await get(node('DE'), relaySample.id))?.signed.record.onwardSharingConsent?.includes('NL') === true)
    expect(consentAtDe, 'the new version with consent reaches DE without being shared again')
    const relayed = await share(node('DE'), relaySample.id, 'NL')
    print(`    SE adds onwardSharingConsent ["NL"]; the new version reaches DE as an update; DE -> NL: ${describe(relayed)}`)
    const atNl = await get(node('NL'), relaySample.id)
    print(`    NL holds it with the signed path ${atNl?.hops.map(h => `${h.jurisdiction} > ${h.to}`).join(', ')} and SE's record signature verified`)
    expect(relayed.delivered && atNl?.signed.record.provenance.jurisdiction === 'SE', 'NL receives the relayed record with the originator\'s signature')
  }

  // 6. A request for information under Directive 2023/977, answered in part.
  print('')
  print('== 6. DE sends SE a request for information; SE asks for clarification, then answers in part')
  if (seller !== undefined) {
    const content = {
      informationSought: { description: 'What SE holds on the Agora seller and the persons linked to it', ids: [seller, persons[0]!.id as string, persons[2]!.id as string] },
      purpose: { description: 'Identify the supplier of pistol ammunition sold to Germany', facts: 'Ammunition of the kind the seller offers was found in a parcel in Hamburg (demo facts).', offence: 'Illicit trafficking in weapons, munitions and explosives' },
      availabilityReasons: 'The seller\'s listings ship from Sweden, so SE holds its records.',
      persons: ['the seller and the persons linked to it'],
      personLink: 'The persons are linked to the seller whose listings are under investigation.',
      urgency: { urgent: false },
      useRestrictions: 'Use only for this investigation; no court use without SE consent.',
      language: 'en',
      europolCopy: { copy: false, reason: 'Demo: no Europol copy.' }
    }
    const { requestId } = await node('DE').api.request<{ requestId: string }>('POST', '/requests', { to: 'SE', content, actor: 'K. Weber (DE SPOC)' })
    const sent = await node('DE').api.request<{ requestId: string, deadline?: string }>('GET', `/requests/${requestId}`)
    print(`    DE -> SE  request ${sent.requestId}: deadline ${String(sent.deadline)} (7 calendar days from receipt, not urgent)`)
    const cases = await node('SE').api.request<Array<{ caseId: string, requestId: string, deadline: string, items: Array<{ itemId: string, recordId: string, status: string, refusal?: { ground: string } }> }>>('GET', '/cases')
    const opened = cases.find(c => c.requestId === sent.requestId)
    expect(opened !== undefined, 'SE opened a case for the request')
    if (opened !== undefined) {
      expect(opened.deadline === sent.deadline, 'both nodes compute the same deadline')
      for (const item of opened.items) print(`    SE case item ${item.recordId}: ${item.status}${item.refusal === undefined ? '' : ` (${item.refusal.ground})`}`)
      expect(opened.items.some(i => i.status === 'refused' && i.refusal?.ground === 'JEOPARDISE_INVESTIGATION_OR_SAFETY'), 'the informant is refused with an Art. 6 ground')

      await node('SE').api.request('POST', `/cases/${opened.caseId}/clarification`, { question: 'Which parcel and which date? (demo)', actor: 'A. Lind (SE SPOC)' })
      await waitFor(async () => (await node('DE').api.request<{ status: string }>('GET', `/requests/${sent.requestId}`)).status === 'clarification-asked')
      await node('DE').api.request('POST', `/requests/${sent.requestId}/clarification`, { answer: 'Parcel 4711, seized on 2026-11-30 (demo).', actor: 'K. Weber (DE SPOC)' })
      const resumed = await waitFor(async () => (await node('SE').api.request<{ clarifications: Array<{ answer?: string }> }>('GET', `/cases/${opened.caseId}`)).clarifications.every(c => c.answer !== undefined))
      const afterPause = await node('SE').api.request<{ deadline: string }>('GET', `/cases/${opened.caseId}`)
      print(`    SE asked for clarification and DE answered; the clock was paused meanwhile, deadline now ${afterPause.deadline}`)
      expect(resumed, 'the clarification answer reaches SE')

      const answered = await node('SE').api.request<{ outcome: string }>('POST', `/cases/${opened.caseId}/answer`, { actor: 'A. Lind (SE SPOC)' })
      const atDe = await waitFor(async () => ['answered', 'partly-refused', 'refused'].includes((await node('DE').api.request<{ status: string }>('GET', `/requests/${sent.requestId}`)).status))
      const final = await node('DE').api.request<{ status: string, records?: unknown[], refusals?: Array<{ ground: string }> }>('GET', `/requests/${sent.requestId}`)
      print(`    SE answers: ${answered.outcome}; DE holds the request as ${final.status} with ${final.records?.length ?? 0} signed records and refusals ${(final.refusals ?? []).map(r => r.ground).join(', ') || 'none'}`)
      expect(atDe && final.status === 'partly-refused', 'DE receives a partly refused answer')
    }

    // 6b. An urgent request that runs past its 8-hour limit. The demo nodes were started with
    // demoClockControl, so the deadline clock can be moved forward; the legal limit stays 8 hours.
    print('')
    print('== 6b. DE sends SE an urgent request; nobody answers within 8 hours; both nodes raise an overdue alert')
    const urgent = {
      ...content,
      informationSought: { description: 'What SE holds on the Agora seller, urgently', ids: [seller] },
      persons: [],
      urgency: { urgent: true, ground: 'LOSS_OF_RELEVANCE', reasons: 'The seller is expected to close the shop within a day (demo facts).' }
    }
    const { requestId: urgentId } = await node('DE').api.request<{ requestId: string }>('POST', '/requests', { to: 'SE', content: urgent, actor: 'K. Weber (DE SPOC)' })
    const urgentSent = await node('DE').api.request<{ deadline?: string, clock?: { limitHours: number } }>('GET', `/requests/${urgentId}`)
    print(`    DE -> SE  urgent request ${urgentId}: limit ${String(urgentSent.clock?.limitHours)} h (urgent, directly available), deadline ${String(urgentSent.deadline)}`)
    expect(urgentSent.clock?.limitHours === 8, 'an urgent request on directly available data gets 8 hours')
    const urgentCase = `de-${urgentId}`
    if (urgentSent.deadline !== undefined) {
      const offsetMs = Date.parse(urgentSent.deadline) - Date.now() + 60_000
      print(`    DEMO CLOCK: moving the deadline clock of SE and DE forward by ${(offsetMs / 3_600_000).toFixed(2)} h through POST /demo/clock (demo-only setting demoClockControl); the 8-hour limit itself is unchanged`)
      const moved = new Map<string, Array<{ kind: string, side: string, id: string }>>()
      for (const j of ['SE', 'DE']) moved.set(j, (await node(j).api.request<{ alerts: Array<{ kind: string, side: string, id: string }> }>('POST', '/demo/clock', { offsetMs })).alerts)
      const seCase = await node('SE').api.request<{ overdue: boolean, alerts: Array<{ kind: string, at: string }> }>('GET', `/cases/${urgentCase}`)
      const deRequest = await node('DE').api.request<{ overdue: boolean, alerts: Array<{ kind: string, at: string }> }>('GET', `/requests/${urgentId}`)
      print(`    SE case ${urgentCase}: ${seCase.overdue ? 'OVERDUE' : 'not overdue'}; alerts ${seCase.alerts.map(a => a.kind).join(', ')}`)
      print(`    DE request ${urgentId}: ${deRequest.overdue ? 'OVERDUE' : 'not overdue'}; alerts ${deRequest.alerts.map(a => a.kind).join(', ')}`)
      expect(seCase.overdue && seCase.alerts.some(a => a.kind === 'deadline-expired'), 'SE shows the case overdue with an expiry alert')
      expect(deRequest.overdue && deRequest.alerts.some(a => a.kind === 'deadline-expired'), 'DE shows the request overdue with an expiry alert')
      expect((moved.get('SE') ?? []).some(a => a.kind === 'deadline-expired' && a.id === urgentCase), 'SE raised the expiry alert event')

      const late = await node('SE').api.request<{ outcome: string }>('POST', `/cases/${urgentCase}/answer`, { actor: 'A. Lind (SE SPOC)' })
      const lateAtDe = await waitFor(async () => (await node('DE').api.request<{ status: string }>('GET', `/requests/${urgentId}`)).status !== 'received')
      print(`    SE answers late (${late.outcome}); the audit entry of the answer notes that it came after the deadline`)
      expect(lateAtDe, 'DE receives the late answer')
      for (const j of ['SE', 'DE']) await node(j).api.request('POST', '/demo/clock', { offsetMs: 0 })
      print('    DEMO CLOCK: both clocks set back to the real time')
    }

    const copies = await node('DE').api.request<Array<{ to: string, exchange: string, rule: { ruleId: string } }>>('GET', '/copies')
    print(`    Copies DE owes under its policy module: ${copies.length === 0 ? 'none' : copies.map(c => `${c.exchange} to ${c.to} (${c.rule.ruleId})`).join(', ')}; they wait at GET /copies, as this node has no SIENA connection`)
  }

  // --- Hit/no-hit step: a separate step, kept in hit-step.ts.
  await runHitStep(node, imported, print, expect)
  // --- End of the hit/no-hit step.
  // --- Models step (record linking and listing triage): begin ---
  print('')
  print('== Models. Listings triaged at import; links proposed between records of different nodes')
  await runModelsStep(node, new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10), print, expect)
  // --- Models step: end ---

  // 7. Audit.
  print('')
  print('== 7. Audit logs')
  for (const [jurisdiction, n] of nodes) {
    const { entries, chainValid } = await n.api.request<{ entries: Array<{ event: string }>, chainValid: boolean }>('GET', '/audit?limit=1000')
    const counts = new Map<string, number>()
    for (const e of entries) counts.set(e.event, (counts.get(e.event) ?? 0) + 1)
    print(`    ${jurisdiction}: ${entries.length} entries, hash chain ${chainValid ? 'intact' : 'BROKEN'} (${Array.from(counts, ([k, v]) => `${k} ${v}`).join(', ')})`)
    expect(chainValid, `${jurisdiction} audit chain verifies`)
  }

  return { steps, failures }
}

interface ShareView { effect: 'permit' | 'deny', delivered: boolean, removedFields: string[], reasons: Reason[], error?: string }

async function share (from: DemoNode, id: string, to: string): Promise<ShareView> {
  try {
    const result = await from.api.request<{ decision: Decision, delivery: { status: string } }>('POST', `/records/${encodeURIComponent(id)}/share`, { to })
    const delivered = result.delivery.status !== 'queued'
    return { effect: 'permit', delivered, removedFields: result.decision.removedFields, reasons: result.decision.reasons, ...(delivered ? {} : { error: 'queued: not acknowledged yet, the outbox keeps retrying' }) }
  } catch (err) {
    const decision = (err as { decision?: Decision }).decision
    if (decision !== undefined) return { effect: decision.effect, delivered: false, removedFields: [], reasons: decision.reasons }
    return { effect: 'deny', delivered: false, removedFields: [], reasons: [], error: err instanceof NfpError ? `${err.code}: ${err.message}` : String(err) }
  }
}

async function get (n: DemoNode, id: string): Promise<StoredView | undefined> {
  try {
    return await n.api.request<StoredView>('GET', `/records/${encodeURIComponent(id)}`)
  } catch (err) {
    if (err instanceof NfpError && err.code === 'ERR_RECORD_NOT_FOUND') return undefined
    throw err
  }
}

function describe (outcome: ShareView): string {
  if (outcome.error !== undefined) return `FAILED to deliver (${outcome.error})`
  const deciding = outcome.reasons.filter(r => outcome.effect === 'deny' ? r.ruleId !== undefined : true)
  const rules = deciding.map(r => `${r.ruleId} [${r.citation}]${r.refusalGround === undefined ? '' : ` ground ${r.refusalGround}`}`).join('; ')
  if (outcome.effect === 'deny') return `DENIED, nothing sent - ${rules}`
  if (outcome.removedFields.length > 0) return `SHARED with ${outcome.removedFields.join(', ')} removed - ${rules}`
  return `shared - ${rules}`
}

async function waitFor (check: () => Promise<boolean>, timeoutMs = 10000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return false
}

function isOfferListing (draft: Record<string, any>): boolean {
  return draft.type === 'WebListing' && (draft.listingClass === 'firearm' || draft.listingClass === 'ammunition') && Array.isArray(draft.offers)
}

function isCountryOf (raw: string, jurisdiction: string): boolean {
  const names: Record<string, string> = { DE: 'germany', NL: 'netherlands', SE: 'sweden' }
  return raw.toLowerCase().includes(names[jurisdiction] ?? '\u0000')
}
