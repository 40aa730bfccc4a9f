import { randomUUID } from 'node:crypto'
import { NfpError, errors } from '@ceasefire/protocol'
import type { Member } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import { requestAuditHead } from '../net/audit-heads.ts'
import type { AuditHeadResponse } from '../net/audit-head-frames.ts'
import type { Network } from '../net/network.ts'
import type { NodeStore } from '../store/store.ts'
import { compareResponse } from './compare.ts'
import type { HeadsStore, Mismatch } from './heads-store.ts'
import { verifyAuditHead } from './signed-head.ts'
import type { AuditHead, HeadKeyResolver, SignedAuditHead } from './signed-head.ts'

/** Maximum number of a peer's stored heads one request names again; the request schema allows up to 64. */
const SAMPLE_SIZE = 8

export interface ExchangeDeps {
  network: Network
  store: NodeStore
  heads: HeadsStore
  resolveKey: HeadKeyResolver
  log: Logger
  timeoutMs: number
  now: () => Date
}

/** The outcome of one exchange with one peer. */
export interface ExchangeOutcome {
  peer: string
  /** `failed`: no verified response (see `code`), so nothing was compared or stored. */
  status: 'consistent' | 'mismatch' | 'failed'
  at: string
  /** The verified head the peer sent. */
  head?: AuditHead
  /** Whether that head was newer than every head stored from the peer, and is now stored. */
  storedNewHead: boolean
  /** Every mismatch found in this exchange, also those found and audited before. */
  mismatches: Mismatch[]
  code?: string
  message?: string
}

/**
 * Requests one member's latest signed head and the hashes of entries seen before, checks the
 * response against the heads stored from it, stores a newer head and audits each new mismatch.
 * The caller must not run two exchanges with the same peer at once.
 */
export async function exchangeWithPeer (deps: ExchangeDeps, member: Member): Promise<ExchangeOutcome> {
  const peer = member.jurisdiction
  const at = deps.now().toISOString()
  const asked = (await deps.heads.samplePeerHeads(peer, SAMPLE_SIZE)).filter(h => h.seq >= 1)
  const latest = await deps.heads.latestPeerHead(peer)
  const requestId = randomUUID()

  let head: SignedAuditHead | undefined
  let response: AuditHeadResponse
  try {
    response = await requestAuditHead(deps.network, member, { type: 'audit-head-request', requestId, seqs: asked.map(h => h.seq) }, deps.timeoutMs)
    if (response.type === 'error') {
      throw new errors.PeerRejectedError(`${peer} rejected the audit head request: ${response.code}: ${response.message}`)
    }
    if (response.requestId !== requestId) {
      throw new errors.FrameMalformedError(`${peer} responded to request \`${response.requestId}\` instead of \`${requestId}\``)
    }
    if (response.head !== undefined) head = await verifyAuditHead(response.head, peer, deps.resolveKey)
  } catch (err) {
    const error = err instanceof NfpError ? err : new errors.InternalError((err as Error).message, { cause: err })
    return { peer, status: 'failed', at, storedNewHead: false, mismatches: [], code: error.code, message: error.message }
  }

  const hashes = new Map(response.hashes.map(h => [h.seq, h.hash]))
  const atHeadSeq = head === undefined ? undefined : await deps.heads.getPeerHead(peer, head.seq)
  const comparison = compareResponse(peer, { latest, atHeadSeq, asked }, { head, hashes, brokenAt: response.brokenAt })

  for (const mismatch of comparison.mismatches) await recordMismatch(deps, mismatch, head?.jws)
  let storedNewHead = false
  if (comparison.newHead !== undefined) {
    storedNewHead = await deps.heads.addPeerHead({ ...comparison.newHead, receivedAt: at })
  }

  deps.log.debug({ peer, requestId, seq: head?.seq, mismatches: comparison.mismatches.length }, 'audit heads exchanged')
  return {
    peer,
    status: comparison.mismatches.length > 0 ? 'mismatch' : 'consistent',
    at,
    ...(head === undefined ? {} : { head: { jurisdiction: head.jurisdiction, seq: head.seq, hash: head.hash, at: head.at } }),
    storedNewHead,
    mismatches: comparison.mismatches
  }
}

/**
 * Audits a mismatch the first time it is found, then stores it with the peer's head as evidence.
 * The audit entry is written first, so a crash between the two writes can repeat the entry at the
 * next exchange but not lose it.
 */
async function recordMismatch (deps: ExchangeDeps, mismatch: Mismatch, evidence: string | undefined): Promise<void> {
  if (await deps.heads.hasMismatch(mismatch)) return
  await deps.store.commit({ audit: [{ event: 'audit.peer-mismatch', peer: mismatch.peer, detail: `seq ${mismatch.seq}: ${mismatch.kind}: ${mismatch.message}` }] })
  await deps.heads.putMismatch({ ...mismatch, detectedAt: deps.now().toISOString(), ...(evidence === undefined ? {} : { evidence }) })
  deps.log.error({ peer: mismatch.peer, seq: mismatch.seq, kind: mismatch.kind, seen: mismatch.seen, received: mismatch.received, problem: mismatch.message }, 'audit head mismatch with peer')
}
