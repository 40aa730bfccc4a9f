import { peerIdFromString } from '@libp2p/peer-id'
import { NfpError, errors } from '@ceasefire/protocol'
import type { Member, Membership } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { NodeIdentity } from '../identity.ts'
import { AUDIT_HEAD_PROTOCOL, AUDIT_HEAD_READ_TIMEOUT_MS, handleAuditHeadRequests } from '../net/audit-heads.ts'
import type { AuditHeadRequest, AuditHeadResult } from '../net/audit-head-frames.ts'
import type { Network } from '../net/network.ts'
import type { NodeStore } from '../store/store.ts'
import { respondToHeadRequest } from './respond.ts'
import { ChainScanner } from './chain.ts'
import type { ChainState } from './chain.ts'
import { exchangeWithPeer } from './exchange.ts'
import type { ExchangeDeps, ExchangeOutcome } from './exchange.ts'
import { HeadsStore } from './heads-store.ts'
import type { StoredHead, StoredMismatch } from './heads-store.ts'
import type { AuditLevels } from './levels.ts'
import { membershipKeyResolver, signAuditHead } from './signed-head.ts'
import type { HeadKeyResolver, SignedAuditHead } from './signed-head.ts'
import { checkOwnHeads, lowestFailure, verifyAuditLog } from './verify.ts'
import type { AuditVerifyReport } from './verify.ts'

export interface AuditHeadsInit {
  store: NodeStore
  identity: NodeIdentity
  membership: Membership
  network: Network
  log: Logger
  /** Time between rounds of signing and exchanging with connected members, in ms (default 30 000). */
  intervalMs?: number
  /** Time a peer has to respond to an audit head request, in ms (default 10 000). */
  requestTimeoutMs?: number
  /** Time a peer has to send its request frame after opening a stream, in ms (default 10 000). */
  readTimeoutMs?: number
  now?: () => Date
}

/** Heads and mismatches stored from one peer, for `GET /audit/heads`. */
export interface PeerHeadsStatus {
  jurisdiction: string
  connected: boolean
  latest?: StoredHead
  headsStored: number
  /** True when any mismatch was ever found for this peer. */
  mismatch: boolean
  /** The first MAX_LISTED_MISMATCHES mismatches in seq order. */
  mismatches: StoredMismatch[]
  lastExchange?: ExchangeOutcome
}

export interface AuditHeadsStatus {
  jurisdiction: string
  own: { latest?: SignedAuditHead, count: number }
  /** How far this node has checked its own log, and where its checks fail. */
  checks: { checkedThrough: number, brokenAt?: number }
  peers: PeerHeadsStatus[]
}

/** The running audit head service of one node. */
export interface AuditHeads {
  /** Exchanges heads now with the given members (default: every other member), dialling them if needed. */
  exchangeNow: (jurisdictions?: string[]) => Promise<ExchangeOutcome[]>
  /** Signs a head when the log grew and passes its checks; returns the latest own head. */
  signHead: () => Promise<SignedAuditHead | undefined>
  /** Checks the whole log and every own head again, from the database. */
  verify: () => Promise<AuditVerifyReport>
  status: () => Promise<AuditHeadsStatus>
  /** Stops the timer and the protocol handler and signs a last head. */
  stop: () => Promise<void>
}

const DEFAULT_INTERVAL_MS = 30000
const DEFAULT_REQUEST_TIMEOUT_MS = 10000
const MAX_LISTED_MISMATCHES = 50

/**
 * Starts signed audit heads for a node and serves `/nfp/audit-head/1.0.0`. In the background it
 * checks the whole audit log and the node's own heads, then signs a head; requests for heads
 * wait for that check. Every `intervalMs` it signs a head when the
 * log grew and exchanges heads with each connected member.
 *
 * @throws MembershipInvalidError when the membership does not list this node's peer id.
 */
export async function startAuditHeads (init: AuditHeadsInit): Promise<AuditHeads> {
  const runner = new AuditHeadsRunner(init)
  await runner.start()
  return runner
}

class AuditHeadsRunner implements AuditHeads {
  readonly #init: AuditHeadsInit
  readonly #jurisdiction: string
  readonly #levels: AuditLevels
  readonly #heads: HeadsStore
  readonly #scanner: ChainScanner
  readonly #resolveKey: HeadKeyResolver
  readonly #log: Logger
  readonly #now: () => Date
  readonly #intervalMs: number
  #brokenAt: number | undefined
  #latestOwn: SignedAuditHead | undefined
  #signing: Promise<unknown> = Promise.resolve()
  readonly #peerQueues = new Map<string, Promise<unknown>>()
  readonly #lastExchange = new Map<string, ExchangeOutcome>()
  #timer: NodeJS.Timeout | undefined
  #round: Promise<void> | undefined
  #stopped = false
  #checkedAtStart = false

  constructor (init: AuditHeadsInit) {
    this.#init = init
    const self = init.membership.members.find(m => m.peerId === init.identity.peerId)
    if (self === undefined) {
      throw new errors.MembershipInvalidError(`federation membership does not list this node's peer id ${init.identity.peerId}`)
    }
    this.#jurisdiction = self.jurisdiction
    this.#levels = init.store.auditHeadsLevels()
    this.#heads = new HeadsStore(this.#levels.heads)
    this.#scanner = new ChainScanner(this.#levels.auditText)
    this.#resolveKey = membershipKeyResolver(() => init.membership)
    this.#log = init.log.child({ component: 'audit-heads' })
    this.#now = init.now ?? (() => new Date())
    this.#intervalMs = init.intervalMs ?? DEFAULT_INTERVAL_MS
  }

  async start (): Promise<void> {
    this.#latestOwn = await this.#heads.latestOwnHead()
    // The whole log is checked once per start, because it can only change while the node is
    // stopped. The check runs in the background, so start-up time does not grow with the log.
    // Signing and serving heads wait for it, because they run in the same queue.
    void this.#serialise(async () => { await this.#checkAtStart() }).catch((err: unknown) => {
      if (!this.#stopped) this.#log.error({ err: (err as Error).message }, 'audit log check at start failed')
    })
    void this.signHead().catch((err: unknown) => {
      if (!this.#stopped) this.#log.error({ err: (err as Error).message }, 'could not sign an audit head after the check at start')
    })
    await handleAuditHeadRequests(this.#init.network, async (request, remote) => await this.#respond(request, remote), this.#log, this.#init.readTimeoutMs ?? AUDIT_HEAD_READ_TIMEOUT_MS)
    this.#schedule()
  }

  async #checkAtStart (): Promise<void> {
    const started = performance.now()
    const chain = await this.#scanner.advance()
    const ownHeads = await checkOwnHeads(this.#levels, this.#jurisdiction, this.#resolveKey)
    this.#brokenAt = lowestFailure(chain, ownHeads)
    this.#checkedAtStart = true

    if (this.#brokenAt === undefined) {
      this.#log.info({ entries: chain.entries, seq: chain.head.seq, ownHeads: ownHeads.checked, ms: Math.round(performance.now() - started) }, 'audit log verified')
    } else {
      const problem = chain.broken?.seq === this.#brokenAt ? chain.broken.message : ownHeads.problems.find(p => p.seq === this.#brokenAt)?.message
      this.#log.error({ seq: this.#brokenAt, problem }, 'audit log check failed; no new audit heads are signed until the log passes its check again')
      await this.#init.store.commit({ audit: [{ event: 'audit.verify-failed', detail: `seq ${this.#brokenAt}: ${problem ?? 'check failed'}` }] })
    }
  }

  async signHead (): Promise<SignedAuditHead | undefined> {
    return await this.#serialise(async () => {
      const chain = await this.#advance()
      // A head vouches for the log; signing one over a log that fails its checks would hide the change.
      if (this.#brokenAt !== undefined) return this.#latestOwn
      if (this.#latestOwn !== undefined && this.#latestOwn.seq === chain.head.seq) return this.#latestOwn

      const head = await signAuditHead(
        { jurisdiction: this.#jurisdiction, seq: chain.head.seq, hash: chain.head.hash as string, at: this.#now().toISOString() },
        this.#init.identity.signing
      )
      await this.#heads.putOwnHead(head)
      this.#latestOwn = head
      this.#log.debug({ seq: head.seq }, 'audit head signed')
      return head
    })
  }

  async exchangeNow (jurisdictions?: string[]): Promise<ExchangeOutcome[]> {
    const others = this.#otherMembers()
    const members = jurisdictions === undefined
      ? others
      : jurisdictions.map(j => {
        const member = others.find(m => m.jurisdiction === j)
        if (member === undefined) {
          throw new errors.PeerUnknownError(`\`${j}\` is not another member of the federation; members are ${this.#init.membership.members.map(m => m.jurisdiction).join(', ')}`)
        }
        return member
      })
    return await Promise.all(members.map(async member => await this.#exchange(member)))
  }

  async verify (): Promise<AuditVerifyReport> {
    return await verifyAuditLog(this.#levels, { jurisdiction: this.#jurisdiction, resolveKey: this.#resolveKey, now: this.#now })
  }

  async status (): Promise<AuditHeadsStatus> {
    const peers: PeerHeadsStatus[] = []
    for (const member of this.#otherMembers()) {
      const latest = await this.#heads.latestPeerHead(member.jurisdiction)
      const mismatches = await this.#heads.listMismatches(member.jurisdiction, MAX_LISTED_MISMATCHES)
      const lastExchange = this.#lastExchange.get(member.jurisdiction)
      peers.push({
        jurisdiction: member.jurisdiction,
        connected: this.#init.network.getConnections(peerIdFromString(member.peerId)).length > 0,
        ...(latest === undefined ? {} : { latest }),
        headsStored: await this.#heads.countPeerHeads(member.jurisdiction),
        mismatch: mismatches.length > 0,
        mismatches,
        ...(lastExchange === undefined ? {} : { lastExchange })
      })
    }
    return {
      jurisdiction: this.#jurisdiction,
      own: { ...(this.#latestOwn === undefined ? {} : { latest: this.#latestOwn }), count: await this.#heads.countOwnHeads() },
      checks: { checkedThrough: (await this.#serialise(async () => await this.#advance())).head.seq, ...(this.#brokenAt === undefined ? {} : { brokenAt: this.#brokenAt }) },
      peers
    }
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#round
    await this.#init.network.unhandle(AUDIT_HEAD_PROTOCOL).catch((err: unknown) => {
      this.#log.warn({ err: (err as Error).message }, 'could not unregister the audit head protocol')
    })
    // A node stopped before its check at start finished signs no last head, since the head
    // would wait for the whole check.
    if (!this.#checkedAtStart) return
    try {
      await this.signHead()
    } catch (err) {
      this.#log.error({ err }, 'could not sign the last audit head before stopping')
    }
  }

  async #respond (request: AuditHeadRequest, remotePeerId: string): Promise<AuditHeadResult> {
    const member = this.#init.membership.members.find(m => m.peerId === remotePeerId)
    if (member === undefined) throw new errors.PeerUnknownError(`peer \`${remotePeerId}\` is not a federation member`)
    this.#log.debug({ peer: member.jurisdiction, requestId: request.requestId, seqs: request.seqs.length }, 'audit head requested')
    return await respondToHeadRequest({
      auditText: this.#levels.auditText,
      currentHead: async () => await this.signHead(),
      brokenAt: () => this.#brokenAt
    }, request)
  }

  /** Runs one exchange with a member after any earlier one with it, and logs failures once per change of code. */
  async #exchange (member: Member): Promise<ExchangeOutcome> {
    const peer = member.jurisdiction
    const previous = this.#peerQueues.get(peer) ?? Promise.resolve()
    const run = previous.then(async () => await this.#exchangeOnce(member))
    this.#peerQueues.set(peer, run.catch(() => {}))
    const outcome = await run

    const before = this.#lastExchange.get(peer)
    this.#lastExchange.set(peer, outcome)
    if (outcome.status === 'failed') {
      const level = before?.status === 'failed' && before.code === outcome.code ? 'debug' : 'warn'
      this.#log[level]({ peer, code: outcome.code, err: outcome.message }, 'audit head exchange failed')
    }
    return outcome
  }

  async #exchangeOnce (member: Member): Promise<ExchangeOutcome> {
    const deps: ExchangeDeps = {
      network: this.#init.network,
      store: this.#init.store,
      heads: this.#heads,
      resolveKey: this.#resolveKey,
      log: this.#log,
      timeoutMs: this.#init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      now: this.#now
    }
    try {
      return await exchangeWithPeer(deps, member)
    } catch (err) {
      // Failures after a verified response, such as a database write.
      const error = err instanceof NfpError ? err : new errors.InternalError((err as Error).message, { cause: err })
      if (!(err instanceof NfpError)) this.#log.error({ peer: member.jurisdiction, err }, 'audit head exchange failed unexpectedly')
      return { peer: member.jurisdiction, status: 'failed', at: this.#now().toISOString(), storedNewHead: false, mismatches: [], code: error.code, message: error.message }
    }
  }

  #schedule (): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#round = this.#runRound().finally(() => {
        this.#round = undefined
        this.#schedule()
      })
    }, this.#intervalMs)
    // The runtime stops this service explicitly; the timer alone must not keep the process alive.
    this.#timer.unref()
  }

  async #runRound (): Promise<void> {
    try {
      await this.signHead()
      const connected = this.#otherMembers().filter(m => this.#init.network.getConnections(peerIdFromString(m.peerId)).length > 0)
      await Promise.all(connected.map(async member => await this.#exchange(member)))
    } catch (err) {
      this.#log.error({ err }, 'audit head round failed')
    }
  }

  /** Checks the entries added since the last call; call it inside `#serialise`. */
  async #advance (): Promise<ChainState> {
    const chain = await this.#scanner.advance()
    if (chain.broken !== undefined) this.#brokenAt = Math.min(this.#brokenAt ?? chain.broken.seq, chain.broken.seq)
    return chain
  }

  #otherMembers (): Member[] {
    return this.#init.membership.members.filter(m => m.jurisdiction !== this.#jurisdiction)
  }

  async #serialise<T> (work: () => Promise<T>): Promise<T> {
    const run = this.#signing.then(work, work)
    this.#signing = run.catch(() => {})
    return await run
  }
}
