import { randomUUID } from 'node:crypto'
import { NfpError, canonicalize, encodeFrame, errors, verifyStatement } from '@ceasefire/protocol'
import type { KeyResolver, Member, ShareItemResult, ShareRequest, ShareResult } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { Network } from '../net/network.ts'
import { sendShare } from '../net/share.ts'
import type { AuditDraft } from '../store/store.ts'
import type { Outbox, OutboxItem } from './outbox.ts'

/** Maximum number of items in one share message, as the request schema allows; the frame limit may cut a batch shorter. */
export const MAX_BATCH_ITEMS = 100

/**
 * Frames sent to one peer before the response to the first arrives. More than one keeps the
 * link and both nodes busy while the receiver syncs a batch to disk. Each frame holds at most
 * 1 MiB, so a peer costs at most this many MiB of memory in flight.
 */
export const MAX_FRAMES_IN_FLIGHT = 4

const MIN_BACKOFF_MS = 500
const MAX_BACKOFF_MS = 60000

export interface DeliveryInit {
  jurisdiction: string
  outbox: Outbox
  network: Network
  members: () => Member[]
  resolveKey: KeyResolver
  timeoutMs: number
  log: Logger
}

/** Delivery state of one peer, for operators. */
export interface PeerDeliveryState {
  peer: string
  sending: boolean
  failures: number
  nextAttemptAt?: string
  lastError?: string
}

/**
 * Delivers each peer's outbox in sequence order, with up to MAX_FRAMES_IN_FLIGHT messages
 * unanswered per peer, and keeps the peer's signed receipt as proof. A failed attempt is
 * retried with exponential backoff (0.5 s doubling to 60 s) and when the peer connects; after a
 * restart delivery resumes after the last acknowledged sequence number. Each peer has its own
 * loop that holds at most MAX_FRAMES_IN_FLIGHT batches in memory, so a slow or stalled peer
 * neither grows memory nor delays the others.
 */
export class Delivery {
  readonly #init: DeliveryInit
  readonly #workers = new Map<string, PeerWorker>()
  #stopped = false

  constructor (init: DeliveryInit) {
    this.#init = init
  }

  /** Starts a loop for every other member, so items left from before a restart go out. */
  start (): void {
    for (const member of this.#init.members()) {
      if (member.jurisdiction !== this.#init.jurisdiction) this.kick(member.jurisdiction)
    }
    this.#init.network.addEventListener('peer:connect', (event) => {
      const member = this.#init.members().find(m => m.peerId === event.detail.toString())
      if (member !== undefined) this.#worker(member.jurisdiction).retryNow()
    })
  }

  stop (): void {
    this.#stopped = true
    for (const worker of this.#workers.values()) worker.stop()
  }

  /** Wakes the loop of a peer after new items were queued. */
  kick (peer: string): void {
    if (this.#stopped) return
    this.#worker(peer).kick()
  }

  /** Waits until the item with this sequence number is acknowledged, or returns undefined after `timeoutMs`. */
  async waitFor (peer: string, seq: number, timeoutMs: number): Promise<OutboxItem | undefined> {
    return await this.#worker(peer).waitFor(seq, timeoutMs)
  }

  states (): PeerDeliveryState[] {
    return Array.from(this.#workers.values(), w => w.state())
  }

  #worker (peer: string): PeerWorker {
    let worker = this.#workers.get(peer)
    if (worker === undefined) {
      worker = new PeerWorker(peer, this.#init)
      this.#workers.set(peer, worker)
    }
    return worker
  }
}

/** A frame on its way to the peer, with the outbox items it carries and its pending response. */
interface SentFrame {
  items: OutboxItem[]
  request: ShareRequest
  response: Promise<ShareResult>
}

class PeerWorker {
  readonly #peer: string
  readonly #init: DeliveryInit
  readonly #log: Logger
  readonly #waiters = new Map<number, Array<(item: OutboxItem | undefined) => void>>()
  #running = false
  #again = false
  #stopped = false
  #failures = 0
  #timer: NodeJS.Timeout | undefined
  #nextAttemptAt: number | undefined
  #lastError: string | undefined

  constructor (peer: string, init: DeliveryInit) {
    this.#peer = peer
    this.#init = init
    this.#log = init.log.child({ peer })
  }

  kick (): void {
    if (this.#stopped) return
    if (this.#running) {
      this.#again = true
      return
    }
    // While backing off, new items wait for the scheduled attempt instead of hammering the peer.
    if (this.#timer !== undefined) return
    void this.#run()
  }

  retryNow (): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    this.kick()
  }

  stop (): void {
    this.#stopped = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    for (const waiters of this.#waiters.values()) for (const resolve of waiters) resolve(undefined)
    this.#waiters.clear()
  }

  async waitFor (seq: number, timeoutMs: number): Promise<OutboxItem | undefined> {
    return await new Promise(resolve => {
      const timer = setTimeout(() => {
        const list = this.#waiters.get(seq)?.filter(r => r !== done)
        if (list === undefined || list.length === 0) this.#waiters.delete(seq)
        else this.#waiters.set(seq, list)
        resolve(undefined)
      }, timeoutMs)
      const done = (item: OutboxItem | undefined): void => {
        clearTimeout(timer)
        resolve(item)
      }
      this.#waiters.set(seq, [...(this.#waiters.get(seq) ?? []), done])
    })
  }

  state (): PeerDeliveryState {
    return {
      peer: this.#peer,
      sending: this.#running,
      failures: this.#failures,
      ...(this.#nextAttemptAt === undefined ? {} : { nextAttemptAt: new Date(this.#nextAttemptAt).toISOString() }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError })
    }
  }

  async #run (): Promise<void> {
    this.#running = true
    try {
      do {
        this.#again = false
        await this.#pump()
      } while (this.#again && !this.#stopped)
    } catch (err) {
      this.#scheduleRetry(err)
    } finally {
      this.#running = false
    }
  }

  /**
   * Sends frames until the outbox is empty, keeping up to MAX_FRAMES_IN_FLIGHT unanswered.
   * Receipts are applied strictly in sequence order: when a frame fails, the frames after it
   * are not acknowledged, so the cursor never skips an item the peer may not have applied.
   * They are sent again on the next attempt and the peer returns `unchanged` for what it
   * already stores.
   */
  async #pump (): Promise<void> {
    const inFlight: SentFrame[] = []
    // The first batch comes from the read that finds where the pending items start.
    let first: OutboxItem[] | undefined = await this.#init.outbox.pending(this.#peer, MAX_BATCH_ITEMS)
    if (first.length === 0) return
    let after = first[0]!.seq - 1
    try {
      for (;;) {
        while (!this.#stopped && inFlight.length < MAX_FRAMES_IN_FLIGHT) {
          const batch = first ?? await this.#init.outbox.list(this.#peer, after, MAX_BATCH_ITEMS)
          first = undefined
          if (batch.length === 0) break
          const frame = this.#send(batch)
          after = frame.items[frame.items.length - 1]!.seq
          inFlight.push(frame)
        }
        const next = inFlight.shift()
        if (next === undefined) return
        await this.#acknowledge(next)
        this.#failures = 0
        this.#lastError = undefined
      }
    } finally {
      // Responses still outstanding after a failure are awaited, so none ends up unhandled.
      await Promise.allSettled(inFlight.map(async frame => await frame.response))
    }
  }

  /** Sends one frame with the first items of `batch` that fit, and verifies the receipt of its response. */
  #send (batch: OutboxItem[]): SentFrame {
    const { items, request, frame } = fitFrame(batch, this.#init.jurisdiction, this.#peer)
    const response = this.#exchange(request, frame, items.length)
    // Rejections are handled when the frame's turn comes; this keeps them from going unhandled meanwhile.
    response.catch(() => {})
    return { items, request, response }
  }

  async #exchange (request: ShareRequest, frame: Uint8Array | undefined, count: number): Promise<ShareResult> {
    const member = this.#init.members().find(m => m.jurisdiction === this.#peer)
    if (member === undefined) throw new errors.PeerUnknownError(`${this.#peer} is no longer a member of the federation`)
    const response = await sendShare(this.#init.network, member, request, this.#init.timeoutMs, frame)
    if (response.type === 'error') {
      throw new errors.PeerRejectedError(`${this.#peer} rejected the message: ${response.code}: ${response.message}`)
    }

    const seqTo = request.seqFrom + count - 1
    const receipt = await verifyStatement<{ by: string, messageId: string, sender: string, seqFrom: number, seqTo: number, results: ShareItemResult[] }>('receipt', response.receipt, this.#init.resolveKey)
    if (receipt.by !== this.#peer || receipt.messageId !== request.messageId || receipt.sender !== this.#init.jurisdiction ||
        receipt.seqFrom !== request.seqFrom || receipt.seqTo !== seqTo || canonicalize(receipt.results) !== canonicalize(response.results)) {
      throw new errors.PeerRejectedError(`${this.#peer} sent a receipt that does not match message ${request.messageId}`)
    }
    return response
  }

  /** Waits for a frame's verified response, then marks its items delivered and keeps the receipt. */
  async #acknowledge (frame: SentFrame): Promise<void> {
    const { items, request } = frame
    const response = await frame.response
    const seqTo = request.seqFrom + items.length - 1
    const audit: AuditDraft[] = items.map((item, index) => {
      const result = response.results.find(r => r.index === index)
      return {
        event: result?.status === 'rejected' ? 'share.rejected' : 'share.delivered',
        recordId: item.recordId,
        ...(item.versionHash === undefined ? {} : { versionHash: item.versionHash }),
        peer: this.#peer,
        messageId: request.messageId,
        ...(result?.code === undefined ? {} : { code: result.code }),
        detail: `${item.item.kind} #${item.seq}: ${result?.status ?? 'no result'}`
      }
    })
    await this.#init.outbox.acknowledge(this.#peer, items, response.results, {
      peer: this.#peer, messageId: request.messageId, seqFrom: request.seqFrom, seqTo, receipt: response.receipt, receivedAt: new Date().toISOString()
    }, audit)
    this.#log.info({ messageId: request.messageId, seqFrom: request.seqFrom, seqTo }, 'delivered')

    for (const [index, item] of items.entries()) {
      const result = response.results.find(r => r.index === index)
      const done: OutboxItem = { ...item, status: 'delivered', messageId: request.messageId, ...(result === undefined ? {} : { result: { status: result.status, ...(result.code === undefined ? {} : { code: result.code }), ...(result.message === undefined ? {} : { message: result.message }) } }) }
      for (const resolve of this.#waiters.get(item.seq) ?? []) resolve(done)
      this.#waiters.delete(item.seq)
    }
  }

  #scheduleRetry (err: unknown): void {
    if (this.#stopped) return
    this.#failures++
    const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.#failures - 1))
    this.#lastError = err instanceof NfpError ? `${err.code}: ${err.message}` : String(err)
    this.#nextAttemptAt = Date.now() + delay
    this.#log.warn({ failures: this.#failures, retryInMs: delay, err: this.#lastError }, 'delivery failed; will retry')
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#nextAttemptAt = undefined
      this.kick()
    }, delay)
  }
}

/**
 * Builds the share request of the first items of `batch` whose frame stays under the frame
 * limit, keeping at least one item, and returns it with its encoded frame. A single item over
 * the limit gets no frame.
 */
function fitFrame (batch: OutboxItem[], sender: string, receiver: string): { items: OutboxItem[], request: ShareRequest, frame?: Uint8Array } {
  let items = batch
  for (;;) {
    const request: ShareRequest = {
      type: 'share',
      messageId: randomUUID(),
      sender,
      receiver,
      sentAt: new Date().toISOString(),
      seqFrom: items[0]!.seq,
      items: items.map(i => i.item)
    }
    try {
      return { items, request, frame: encodeFrame(request) }
    } catch (err) {
      if (!(err instanceof errors.FrameTooLargeError)) throw err
      // A single item over the limit is returned without a frame. sendShare then encodes the
      // request again and throws this error, so the attempt fails like any other.
      if (items.length === 1) return { items, request }
      items = items.slice(0, Math.ceil(items.length / 2))
    }
  }
}
