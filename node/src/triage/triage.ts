import { errors } from '@ceasefire/protocol'
import type { NfpRecord } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { ModelRuntime } from '../models/runtime.ts'
import type { NodeStore } from '../store/store.ts'
import { TRIAGE_CLASSES } from './classes.ts'
import type { TriageClass } from './classes.ts'
import { TRIAGE_FEATURE_COUNT, triageFeatures } from './features.ts'
import type { ListingTextInput } from './features.ts'
import { extractOffer } from './offer.ts'
import type { ExtractedOffer } from './offer.ts'

/** The triage of one web listing. */
export interface TriageResult {
  class: TriageClass
  confidence: number
  probabilities: Record<TriageClass, number>
  /** Set when a rule rather than the model chose the class. */
  rule?: string
  offer: ExtractedOffer
  /** `triage@sha256:<hex>` of the model that classified the listing. */
  scoredBy: string
}

/** A stored triage result, tied to the record version it was computed for. */
export interface StoredTriage {
  recordId: string
  versionHash: string
  title: string
  result: TriageResult
}

/**
 * Words that name a blank-firing, alarm or signal weapon. The Agora data hold no such listing,
 * so the model cannot learn the class; these words set it instead, and the result names the rule.
 */
const BLANK_OR_ALARM = /\b(?:blank[\s-]?(?:firing|gun|pistol|revolver)s?|(?:alarm|signal|starter|starting|gas)[\s-]?(?:pistol|gun|revolver)s?|schreckschuss\w*|flare[\s-]?gun|p\.?a\.?k\.?\s+(?:pistol|revolver))\b/i
const BLANK_OR_ALARM_CONFIDENCE = 0.9

/** Classifies web listings and extracts the make, model and calibre they offer. */
export class TriageService {
  readonly #store: NodeStore
  readonly #models: ModelRuntime
  readonly #log: Logger

  constructor (init: { store: NodeStore, models: ModelRuntime, log: Logger }) {
    this.#store = init.store
    this.#models = init.models
    this.#log = init.log
  }

  /**
   * Classifies listings in one model run.
   *
   * @throws ModelUnavailableError when the models did not load.
   */
  async classify (listings: readonly ListingTextInput[]): Promise<TriageResult[]> {
    const scoredBy = this.#models.modelId('triage')
    const input = new Float32Array(listings.length * TRIAGE_FEATURE_COUNT)
    for (const [i, listing] of listings.entries()) input.set(triageFeatures(listing), i * TRIAGE_FEATURE_COUNT)
    const output = await this.#models.run('triage', input, listings.length)

    return listings.map((listing, i) => {
      const row = output.subarray(i * TRIAGE_CLASSES.length, (i + 1) * TRIAGE_CLASSES.length)
      const probabilities = Object.fromEntries(TRIAGE_CLASSES.map((name, k) => [name, round(row[k]!)])) as Record<TriageClass, number>
      let best = 0
      for (let k = 1; k < row.length; k++) if (row[k]! > row[best]!) best = k
      const weapon = row[0]! + row[1]! + row[2]!
      const result: TriageResult = { class: TRIAGE_CLASSES[best]!, confidence: round(row[best]!), probabilities, offer: extractOffer(listing, weapon), scoredBy }
      if (BLANK_OR_ALARM.test(`${listing.title} ${listing.description ?? ''}`)) {
        result.class = 'blank-or-alarm-weapon'
        result.confidence = BLANK_OR_ALARM_CONFIDENCE
        result.rule = 'blank-or-alarm-words'
      }
      return result
    })
  }

  /** Classifies a stored WebListing and keeps the result with its version; other types are ignored. */
  async recordStored (record: NfpRecord): Promise<StoredTriage | undefined> {
    return (await this.recordsStored([record]))[0]
  }

  /**
   * Classifies the WebListings among stored records in one model run and keeps the results in
   * one commit. Records of other types are ignored. Returns the results in the order of the listings.
   */
  async recordsStored (records: readonly NfpRecord[]): Promise<StoredTriage[]> {
    const listings = records.filter(record => record.type === 'WebListing')
    if (listings.length === 0 || !this.#models.available) return []
    const results = await this.classify(listings.map(listingText))
    const stored = listings.map((record, i): StoredTriage => ({ recordId: record.id, versionHash: record.versionHash, title: String(record.title), result: results[i]! }))
    await this.#store.commit({ writes: stored.map(value => ({ collection: 'triage' as const, key: value.recordId, value })), audit: [] })
    this.#log.debug({ listings: stored.length }, 'listings triaged')
    return stored
  }

  /**
   * Returns the triage of a stored WebListing, computing it when the record changed since.
   *
   * @throws RecordNotFoundError, RecordInvalidError for another record type, ModelUnavailableError.
   */
  async forRecord (record: NfpRecord): Promise<StoredTriage> {
    this.#models.modelId('triage')
    const kept = await this.#store.read<StoredTriage>('triage', record.id)
    if (kept?.versionHash === record.versionHash) return kept
    const stored = await this.recordStored(record)
    if (stored === undefined) {
      throw new errors.RecordInvalidError(`record \`${record.id}\` is a ${record.type}; only WebListing records are triaged`)
    }
    return stored
  }

  /** Lists stored triage results, optionally of one class, with at least `minConfidence`. */
  async list (options: { class?: TriageClass, minConfidence?: number, limit: number }): Promise<StoredTriage[]> {
    this.#models.modelId('triage')
    const all = await this.#store.range<StoredTriage>('triage', {})
    return all.map(([, stored]) => stored)
      .filter(stored => options.class === undefined || stored.result.class === options.class)
      .filter(stored => stored.result.confidence >= (options.minConfidence ?? 0))
      .slice(0, options.limit)
  }
}

function listingText (record: NfpRecord): ListingTextInput {
  const text: ListingTextInput = { title: String(record.title) }
  if (typeof record.descriptionSnippet === 'string') text.description = record.descriptionSnippet
  if (typeof record.marketSubcategory === 'string') text.subcategory = record.marketSubcategory
  return text
}

function round (value: number): number {
  return Math.round(value * 1000) / 1000
}
