import { createHash } from 'node:crypto'
import { errors } from '@ceasefire/protocol'
import type { NfpRecord } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { ModelRuntime } from '../models/runtime.ts'
import type { NodeStore, StoredRecord } from '../store/store.ts'
import { blockingKeys } from './blocking.ts'
import { FEATURE_NAMES, pairFeatures } from './pair-features.ts'
import type { Evidence, LinkKind } from './pair-features.ts'
import { LINK_PROPOSAL_THRESHOLD } from './threshold.ts'

export type LinkStatus = 'proposed' | 'confirmed' | 'rejected'

/** A link the model proposed between two stored records, and what an operator decided. */
export interface Link {
  id: string
  /** The two record ids, in sorted order. */
  records: [string, string]
  kind: LinkKind
  score: number
  evidence: Evidence[]
  /** `<model>@sha256:<hex>` of the model that scored the pair. */
  scoredBy: string
  status: LinkStatus
  proposedAt: string
  decidedBy?: string
  decidedAt?: string
  reason?: string
  /** Id of the RecordLink record that a confirmation created. */
  recordLinkId?: string
}

/** The fields of a RecordLink draft that the operator may set when confirming. */
export interface Confirmation {
  confirmedBy: string
  note?: string
  legalBasis?: string
  grading?: { sourceReliability: 'A' | 'B' | 'C' | 'X', informationAccuracy: 1 | 2 | 3 | 4 }
}

export interface LinkServiceInit {
  jurisdiction: string
  store: NodeStore
  models: ModelRuntime
  /** Ingests the RecordLink of a confirmed link as a record of this node. */
  ingest: (draft: Record<string, unknown>) => Promise<StoredRecord>
  log: Logger
  now: () => Date
}

/**
 * Largest block of stored records one key brings in. A key that more records share is too
 * common to tell records apart (every Glock 17 of an import has the same make-and-model key),
 * so it brings in none, and comparing stays cheap however many records a node stores.
 */
const MAX_BLOCK_SIZE = 50

/**
 * Maximum number of stored records one record is compared with. Keys are taken in the order
 * `blockingKeys` returns them, most specific first (serial before make and model), so the cap
 * drops the weakest candidates when a record's blocks together contain more.
 */
const MAX_CANDIDATES = 100

const HANDLING_ORDER = ['H0', 'H1', 'H2', 'H3'] as const
const RELIABILITY_ORDER = ['A', 'B', 'C', 'X'] as const

/**
 * Proposes links between a stored record and the records the node already stores that likely
 * describe the same firearm, online identity, wallet, vehicle or person, and keeps what
 * operators decide. A proposal never changes a record; only an operator's confirmation creates
 * a RecordLink, which the node signs and may share like any other record.
 */
export class LinkService {
  readonly #init: LinkServiceInit
  #running: Promise<unknown> = Promise.resolve()

  constructor (init: LinkServiceInit) {
    this.#init = init
  }

  /**
   * Adds a stored record to the blocking index and proposes links to the records that share a
   * key with it and score at or above the proposal threshold. Returns the new proposals.
   * Without models the record is still indexed, so it is found once the models are back.
   */
  async recordStored (record: NfpRecord): Promise<Link[]> {
    return await this.recordsStored([record])
  }

  /**
   * Does what `recordStored` does for several stored records at once, in their order. Each
   * record is compared with the records indexed before it, including the earlier ones of the list.
   * The index entries of all of them go into one commit, every pair is scored in one model
   * run, and the proposals go into one more commit.
   */
  async recordsStored (records: readonly NfpRecord[]): Promise<Link[]> {
    // Runs never overlap, so each reads the blocks the one before it wrote.
    const run = this.#running.then(async () => await this.#link(records))
    this.#running = run.catch(() => {})
    return await run
  }

  async #link (records: readonly NfpRecord[]): Promise<Link[]> {
    const { planned, blocks } = await this.#candidates(records)
    if (planned.length === 0) return []
    await this.#init.store.commit({ writes: [...blocks].map(([key, value]) => ({ collection: 'link-blocks' as const, key, value })), audit: [] })
    if (!this.#init.models.available) return []

    const others = await this.#init.store.getRecords([...new Set(planned.flatMap(p => [...p.candidates]))])
    const pairs: Array<{ record: NfpRecord, other: string, features: NonNullable<ReturnType<typeof pairFeatures>> }> = []
    for (const { record, candidates } of planned) {
      for (const id of candidates) {
        // NOTE: index entries of records that were deleted or changed type stay behind; they
        // are skipped here rather than removed.
        const other = others.get(id)?.signed.record
        const features = other === undefined ? undefined : pairFeatures(record, other)
        if (features !== undefined) pairs.push({ record, other: id, features })
      }
    }
    if (pairs.length === 0) return []
    const scores = await this.#score(pairs.map(pair => pair.features.values))

    const scored = pairs.flatMap((pair, i) => {
      const score = Math.round(scores[i]! * 1000) / 1000
      if (score < LINK_PROPOSAL_THRESHOLD) return []
      const ids = [pair.record.id, pair.other].sort() as [string, string]
      return [{ ...pair, score, ids, id: linkIdOf(ids) }]
    })
    if (scored.length === 0) return []
    const existing = await this.#init.store.readMany<Link>('links', scored.map(pair => pair.id))
    // A later pair of the same two records (a newer version in the same list) replaces an earlier one.
    const proposals = new Map<string, Link>()
    const now = this.#init.now().toISOString()
    for (const [i, pair] of scored.entries()) {
      const stored = existing[i]
      // A decided link stays decided; a new version of a record rescores a pending proposal.
      if (stored !== undefined && stored.status !== 'proposed') continue
      proposals.set(pair.id, { id: pair.id, records: pair.ids, kind: pair.features.kind, score: pair.score, evidence: pair.features.evidence, scoredBy: this.#init.models.modelId('linking'), status: 'proposed', proposedAt: stored?.proposedAt ?? now })
    }
    if (proposals.size === 0) return []
    // A proposal decides and discloses nothing, so it is not written to the audit log. The
    // operator's confirmation or rejection is.
    await this.#init.store.commit({ writes: [...proposals.values()].map(link => ({ collection: 'links' as const, key: link.id, value: link })), audit: [] })
    this.#init.log.info({ records: records.length, proposals: proposals.size }, 'links proposed')
    return [...proposals.values()]
  }

  /**
   * Returns the blocking keys of each linkable record and the ids it is to be compared with:
   * the members of each of its blocks plus the earlier records of the list with the same key.
   * A block of more than MAX_BLOCK_SIZE records brings in none, and a record gets at most
   * MAX_CANDIDATES, taken from its most specific keys first. Also returns the blocks that the
   * records change, to be written.
   */
  async #candidates (records: readonly NfpRecord[]): Promise<{ planned: Array<{ record: NfpRecord, keys: string[], candidates: Set<string> }>, blocks: Map<string, Block> }> {
    const planned = records.map(record => ({ record, keys: blockingKeys(record), candidates: new Set<string>() })).filter(p => p.keys.length > 0)
    const keys = [...new Set(planned.flatMap(p => p.keys))]
    const stored = await this.#init.store.readMany<Block>('link-blocks', keys)
    const blocks = new Map(keys.map((key, i) => [key, stored[i] ?? { ids: [] }]))
    const changed = new Map<string, Block>()
    for (const { record, keys, candidates } of planned) {
      for (const key of keys) {
        const block = blocks.get(key)!
        if (block.ids === undefined) continue
        for (const id of block.ids) {
          if (candidates.size >= MAX_CANDIDATES) break
          if (id !== record.id) candidates.add(id)
        }
        // The record joins the block, for the records after it in the list too. A block that
        // grows beyond MAX_BLOCK_SIZE keeps no ids, so it brings in no candidates from then on.
        if (block.ids.includes(record.id)) continue
        const grown: Block = block.ids.length >= MAX_BLOCK_SIZE ? { common: true } : { ids: [...block.ids, record.id] }
        blocks.set(key, grown)
        changed.set(key, grown)
      }
    }
    return { planned, blocks: changed }
  }

  /** Lists links, optionally of one status, in id order. */
  async list (options: { status?: LinkStatus, limit: number }): Promise<Link[]> {
    this.#requireModels()
    // NOTE: reads every link and filters in memory; a status index is needed once a node keeps
    // many thousands of decided links.
    const all = await this.#init.store.range<Link>('links', {})
    return all.map(([, link]) => link).filter(link => options.status === undefined || link.status === options.status).slice(0, options.limit)
  }

  async get (id: string): Promise<Link> {
    this.#requireModels()
    const link = await this.#init.store.read<Link>('links', id)
    if (link === undefined) throw new errors.LinkNotFoundError(`no link \`${id}\` is stored on this node; list proposals with GET /links?status=proposed`)
    return link
  }

  /**
   * Confirms a proposed link: the node creates, signs and stores a RecordLink record naming
   * both records, the score, the evidence and the operator.
   *
   * @throws LinkNotFoundError, LinkStateError when the link was already decided, or
   *   RecordNotFoundError when one of the records was deleted since the proposal.
   */
  async confirm (id: string, confirmation: Confirmation): Promise<{ link: Link, record: StoredRecord }> {
    const link = await this.#proposed(id)
    const [a, b] = await Promise.all(link.records.map(async recordId => {
      const stored = await this.#init.store.getRecord(recordId)
      if (stored === undefined) throw new errors.RecordNotFoundError(`record \`${recordId}\` of link \`${id}\` is no longer stored; reject the link instead`)
      return stored.signed.record
    })) as [NfpRecord, NfpRecord]
    const now = this.#init.now().toISOString()
    const draft: Record<string, unknown> = {
      '@context': 'urn:ceasefire:context:v1',
      id: `urn:nfp:${this.#init.jurisdiction.toLowerCase()}:recordlink:${link.id}`,
      type: 'RecordLink',
      // The link reveals as much as the records it joins, so it gets the stricter handling code
      // and the earlier review date of the two.
      handlingCode: HANDLING_ORDER[Math.max(HANDLING_ORDER.indexOf(a.handlingCode), HANDLING_ORDER.indexOf(b.handlingCode))],
      grading: confirmation.grading ?? {
        sourceReliability: RELIABILITY_ORDER[Math.max(RELIABILITY_ORDER.indexOf(a.grading.sourceReliability), RELIABILITY_ORDER.indexOf(b.grading.sourceReliability))],
        informationAccuracy: Math.max(a.grading.informationAccuracy, b.grading.informationAccuracy)
      },
      legalBasis: confirmation.legalBasis ?? (a.legalBasis === b.legalBasis ? a.legalBasis : `${a.legalBasis}; ${b.legalBasis}`).slice(0, 500),
      reviewBy: a.reviewBy < b.reviewBy ? a.reviewBy : b.reviewBy,
      records: link.records,
      linkKind: link.kind,
      score: link.score,
      scoredBy: link.scoredBy,
      evidence: link.evidence,
      confirmedBy: confirmation.confirmedBy,
      confirmedAt: now,
      ...(confirmation.note === undefined ? {} : { note: confirmation.note })
    }
    const record = await this.#init.ingest(draft)
    const decided: Link = { ...link, status: 'confirmed', decidedBy: confirmation.confirmedBy, decidedAt: now, recordLinkId: record.signed.record.id }
    await this.#init.store.commit({
      writes: [{ collection: 'links', key: id, value: decided }],
      audit: [{ event: 'link.confirmed', recordId: record.signed.record.id, recordType: 'RecordLink', actor: confirmation.confirmedBy, detail: `${id}: ${link.records.join(' = ')}` }]
    })
    return { link: decided, record }
  }

  /** Rejects a proposed link; the pair is not proposed again. */
  async reject (id: string, rejectedBy: string, reason: string): Promise<Link> {
    const link = await this.#proposed(id)
    const decided: Link = { ...link, status: 'rejected', decidedBy: rejectedBy, decidedAt: this.#init.now().toISOString(), reason }
    await this.#init.store.commit({
      writes: [{ collection: 'links', key: id, value: decided }],
      audit: [{ event: 'link.rejected', actor: rejectedBy, detail: `${id}: ${link.records.join(' != ')}` }]
    })
    return decided
  }

  async #proposed (id: string): Promise<Link> {
    const link = await this.get(id)
    if (link.status !== 'proposed') {
      throw new errors.LinkStateError(`link \`${id}\` was already ${link.status} by ${link.decidedBy ?? 'an operator'} at ${link.decidedAt ?? 'an earlier time'}`)
    }
    return link
  }

  async #score (vectors: Float32Array[]): Promise<Float32Array> {
    const input = new Float32Array(vectors.length * FEATURE_NAMES.length)
    for (const [i, vector] of vectors.entries()) input.set(vector, i * FEATURE_NAMES.length)
    return await this.#init.models.run('linking', input, vectors.length)
  }

  #requireModels (): void {
    if (!this.#init.models.available) this.#init.models.modelId('linking')
  }
}

/** Returns the link id of two sorted record ids: the same pair always gets the same id, on every node. */
function linkIdOf (records: [string, string]): string {
  return `lnk-${createHash('sha256').update(records.join('\n')).digest('hex').slice(0, 24)}`
}

/**
 * The records that share one blocking key, as stored in the `link-blocks` collection: their ids,
 * or `common` once more than MAX_BLOCK_SIZE records shared it. Record ids are never taken out of
 * a block (see the NOTE in `#link`), so a common key stays common.
 */
type Block = { ids: string[], common?: undefined } | { ids?: undefined, common: true }
