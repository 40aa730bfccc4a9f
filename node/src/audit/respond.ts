import type { AuditHeadRequest, AuditHeadResult } from '../net/audit-head-frames.ts'
import { readEntryHash } from './chain.ts'
import { auditKey } from './levels.ts'
import type { KeyValueView } from './levels.ts'
import type { SignedAuditHead } from './signed-head.ts'

export interface RespondDeps {
  auditText: KeyValueView<string>
  /** Returns the latest own head, signing a new one first when the log grew and passes its checks. */
  currentHead: () => Promise<SignedAuditHead | undefined>
  /** Lowest seq at which this node's own checks fail, or undefined. */
  brokenAt: () => number | undefined
}

/**
 * Builds the result frame for a peer's request: this node's latest signed head, the stored hash
 * of each requested entry (null when there is no readable entry) and, when its own checks fail,
 * the lowest seq that fails.
 */
export async function respondToHeadRequest (deps: RespondDeps, request: AuditHeadRequest): Promise<AuditHeadResult> {
  const head = await deps.currentHead()
  const hashes: AuditHeadResult['hashes'] = []
  for (const seq of request.seqs) {
    const hash = await readEntryHash(deps.auditText, auditKey(seq))
    // A damaged entry can hold any text as its hash, but the response schema allows only SHA-256 hashes.
    hashes.push({ seq, hash: hash !== undefined && /^sha256:[0-9a-f]{64}$/.test(hash) ? hash : null })
  }
  const brokenAt = deps.brokenAt()
  return {
    type: 'audit-head-response',
    requestId: request.requestId,
    ...(head === undefined ? {} : { head: head.jws }),
    hashes,
    ...(brokenAt === undefined ? {} : { brokenAt })
  }
}
