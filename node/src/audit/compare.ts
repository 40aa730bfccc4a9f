import type { Mismatch, StoredHead } from './heads-store.ts'
import type { SignedAuditHead } from './signed-head.ts'

/** A peer's response to one audit head request, with its head verified. */
export interface VerifiedResponse {
  head?: SignedAuditHead
  /** Stored hash of the peer's entry at each requested seq; null when it has no readable entry there. */
  hashes: Map<number, string | null>
  /** Lowest seq at which the peer's own check of its log fails, when it does. */
  brokenAt?: number
}

/** Heads stored from the peer before the exchange. */
export interface PeerHistory {
  latest?: StoredHead
  /** The stored head at the seq of the response's head, if any. */
  atHeadSeq?: StoredHead
  /** The stored heads whose seqs the request named. */
  asked: StoredHead[]
}

export interface Comparison {
  mismatches: Mismatch[]
  /** The response's head when it is newer than every stored head, so it should be stored. */
  newHead?: SignedAuditHead
}

/**
 * Compares a peer's response with the heads stored from it before. Any change to entries up to a
 * seq seen before shows, because each entry's hash covers the one before it. The hashes of the
 * older requested seqs narrow down where the change happened.
 */
export function compareResponse (peer: string, history: PeerHistory, response: VerifiedResponse): Comparison {
  const mismatches: Mismatch[] = []
  const add = (mismatch: Mismatch): void => {
    if (!mismatches.some(m => m.seq === mismatch.seq && m.kind === mismatch.kind)) mismatches.push(mismatch)
  }

  if (response.brokenAt !== undefined) {
    add({ peer, seq: response.brokenAt, kind: 'chain-broken', message: `${peer} reports that its own check of its audit log fails at entry ${response.brokenAt}` })
  }

  const { head } = response
  const { latest, atHeadSeq } = history
  if (head !== undefined && latest !== undefined && head.seq < latest.seq) {
    add({ peer, seq: latest.seq, kind: 'seq-decreased', seen: latest.hash, received: String(head.seq), message: `${peer} sent head seq ${head.seq}, lower than seq ${latest.seq} seen before` })
  }
  if (head !== undefined && atHeadSeq !== undefined && atHeadSeq.hash !== head.hash) {
    add({ peer, seq: head.seq, kind: 'hash-changed', seen: atHeadSeq.hash, received: head.hash, message: `${peer} signed hash ${head.hash} for entry ${head.seq}, but signed ${atHeadSeq.hash} for it before` })
  }

  for (const seen of history.asked) {
    const hash = response.hashes.get(seen.seq)
    if (hash === undefined || hash === null) {
      add({ peer, seq: seen.seq, kind: 'entry-missing', seen: seen.hash, message: `${peer} has no readable audit entry ${seen.seq}, which it had signed before` })
    } else if (hash !== seen.hash) {
      add({ peer, seq: seen.seq, kind: 'hash-changed', seen: seen.hash, received: hash, message: `${peer} entry ${seen.seq} now has hash ${hash}, but had ${seen.hash} when signed before` })
    }
  }

  const isNew = head !== undefined && (latest === undefined || head.seq > latest.seq)
  return isNew ? { mismatches, newHead: head } : { mismatches }
}
