import { signStatement } from '@ceasefire/protocol'
import type { SigningKey } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { DeletionStatement } from '../inbound.ts'
import type { NodeStore } from '../store/store.ts'
import { disclosureKey } from './outbox.ts'
import type { Disclosure, Outbox } from './outbox.ts'
import type { Delivery } from './worker.ts'

export interface RevocationsInit {
  jurisdiction: string
  store: NodeStore
  outbox: Outbox
  delivery: Delivery
  signingKey: { privateKey: SigningKey, kid: string }
  isMember: (jurisdiction: string) => boolean
  log: Logger
  now: () => Date
  /** How often received records past their review-or-delete date are deleted. */
  sweepIntervalMs?: number
}

/** A deletion receipt kept by the originator. */
export interface KeptDeletion {
  recordId: string
  by: string
  reason: string
  at: string
  receipt: string
}

/** Per peer: what was disclosed, whether it was revoked, and whether its deletion is confirmed. */
export interface DisclosureReport {
  peer: string
  versionHash: string
  status: Disclosure['status']
  deletionConfirmed: boolean
  deletionReason?: string
}

const DEFAULT_SWEEP_INTERVAL_MS = 60000
const SWEEP_BATCH = 100

/**
 * Revocations, deletion receipts and the review-or-delete date. The originator sends a signed
 * revocation to every peer its disclosures name; each receiver deletes the record, passes the
 * revocation on to the peers it relayed the record to, and sends the originator a signed
 * deletion receipt. Received records whose review date has passed are deleted the same way.
 */
export class Revocations {
  readonly #init: RevocationsInit
  #timer: NodeJS.Timeout | undefined

  constructor (init: RevocationsInit) {
    this.#init = init
  }

  start (): void {
    const interval = this.#init.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS
    const sweep = (): void => {
      this.sweepExpired().catch((err: unknown) => { this.#init.log.error({ err: (err as Error).message }, 'review-date sweep failed') })
    }
    this.#sendOwedReceipts().catch((err: unknown) => { this.#init.log.error({ err: (err as Error).message }, 'sending owed deletion receipts failed') })
    sweep()
    this.#timer = setInterval(sweep, interval)
    this.#timer.unref()
  }

  stop (): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
  }

  /** Lists the disclosures of one record, one per peer. */
  async disclosuresOf (recordId: string): Promise<Disclosure[]> {
    const rows = await this.#init.store.range<Disclosure>('disclosures', { gt: `${recordId}!`, lt: `${recordId}!~` })
    return rows.map(([, d]) => d)
  }

  /** Reports, per peer, whether a revoked record's deletion has been confirmed. */
  async report (recordId: string): Promise<DisclosureReport[]> {
    const out: DisclosureReport[] = []
    for (const disclosure of await this.disclosuresOf(recordId)) {
      const deletion = await this.#init.store.read<KeptDeletion>('receipts', `deletion!${recordId}!${disclosure.peer}`)
      out.push({
        peer: disclosure.peer,
        versionHash: disclosure.versionHash,
        status: disclosure.status,
        deletionConfirmed: deletion !== undefined,
        ...(deletion === undefined ? {} : { deletionReason: deletion.reason })
      })
    }
    return out
  }

  /** Signs a revocation and queues it for every peer the record was disclosed to. */
  async revoke (recordId: string, reason: string): Promise<{ recordId: string, peers: string[] }> {
    const at = this.#init.now().toISOString()
    const revocation = await signStatement('revocation', { by: this.#init.jurisdiction, recordId, reason, at }, this.#init.signingKey)
    const peers: string[] = []
    for (const disclosure of await this.disclosuresOf(recordId)) {
      await this.#init.outbox.enqueue(disclosure.peer, { item: { kind: 'revocation', revocation }, recordId }, [
        { event: 'record.revoked', recordId, peer: disclosure.peer, detail: reason }
      ])
      await this.#init.store.commit({ writes: [{ collection: 'disclosures', key: disclosureKey(recordId, disclosure.peer), value: { ...disclosure, status: 'revoked', at } }], audit: [] })
      this.#init.delivery.kick(disclosure.peer)
      peers.push(disclosure.peer)
    }
    if (peers.length === 0) await this.#init.store.commit({ audit: [{ event: 'record.revoked', recordId, detail: `${reason} (never disclosed)` }] })
    return { recordId, peers }
  }

  /**
   * After this node deleted a record it received: passes the originator's revocation on to the
   * peers it relayed the record to, and sends the originator a signed deletion receipt.
   */
  async afterDeletion (recordId: string, revocation: string | undefined, reason: string): Promise<void> {
    if (revocation !== undefined) {
      for (const disclosure of await this.disclosuresOf(recordId)) {
        if (disclosure.status === 'revoked') continue
        await this.#init.outbox.enqueue(disclosure.peer, { item: { kind: 'revocation', revocation }, recordId }, [
          { event: 'record.revoked', recordId, peer: disclosure.peer, detail: `passed on: ${reason}` }
        ])
        await this.#init.store.commit({ writes: [{ collection: 'disclosures', key: disclosureKey(recordId, disclosure.peer), value: { ...disclosure, status: 'revoked' } }], audit: [] })
        this.#init.delivery.kick(disclosure.peer)
      }
    }

    const originator = recordId.split(':')[2]?.toUpperCase() as string
    if (originator === this.#init.jurisdiction || !this.#init.isMember(originator)) return
    const deletion = await signStatement('deletion', { by: this.#init.jurisdiction, recordId, originator, reason, at: this.#init.now().toISOString() }, this.#init.signingKey)
    await this.#init.outbox.enqueue(originator, { item: { kind: 'deletion', deletion }, recordId }, [
      { event: 'deletion.receipt-sent', recordId, peer: originator, detail: reason }
    ])
    this.#init.delivery.kick(originator)
  }

  async #sendOwedReceipt (recordId: string, reason: string): Promise<void> {
    await this.afterDeletion(recordId, undefined, reason)
    await this.#init.store.commit({ writes: [{ collection: 'delivery', key: `deletion-receipt!${recordId}` }], audit: [] })
  }

  /** Queues deletion receipts that a stop or crash left owed. */
  async #sendOwedReceipts (): Promise<void> {
    for (const [, owed] of await this.#init.store.range<{ recordId: string, reason: string }>('delivery', { gt: 'deletion-receipt!', lt: 'deletion-receipt!~' })) {
      await this.#sendOwedReceipt(owed.recordId, owed.reason)
    }
  }

  /** Keeps a verified deletion receipt addressed to this node as originator. */
  async keepDeletionReceipt (statement: DeletionStatement, receipt: string): Promise<void> {
    const kept: KeptDeletion = { recordId: statement.recordId, by: statement.by, reason: statement.reason, at: statement.at, receipt }
    await this.#init.store.commit({
      writes: [{ collection: 'receipts', key: `deletion!${statement.recordId}!${statement.by}`, value: kept }],
      audit: [{ event: 'deletion.receipt-received', recordId: statement.recordId, peer: statement.by, detail: statement.reason }]
    })
  }

  /**
   * Deletes received records whose review-or-delete date is before `today` (YYYY-MM-DD, by
   * default the current UTC date) and confirms each deletion to its originator.
   */
  async sweepExpired (today = this.#init.now().toISOString().slice(0, 10)): Promise<number> {
    let deleted = 0
    for (;;) {
      const expired = await this.#init.store.listExpired(today, SWEEP_BATCH)
      if (expired.length === 0) return deleted
      for (const stored of expired) {
        const record = stored.signed.record
        const reason = `review-or-delete date ${record.reviewBy} passed`
        // The receipt to the originator is owed from the moment of deletion, so the debt is
        // written with it and paid at start if the node dies before queuing the receipt.
        await this.#init.store.commit({
          deleteRecordId: record.id,
          writes: [{ collection: 'delivery', key: `deletion-receipt!${record.id}`, value: { recordId: record.id, reason } }],
          audit: [{ event: 'record.deleted', recordId: record.id, recordType: record.type, versionHash: record.versionHash, detail: reason }]
        })
        await this.#sendOwedReceipt(record.id, reason)
        deleted++
      }
    }
  }
}
