import { ChainScanner, readEntryHash } from './chain.ts'
import type { ChainState } from './chain.ts'
import { HeadsStore } from './heads-store.ts'
import type { StoredHead } from './heads-store.ts'
import { GENESIS_HASH, auditKey } from './levels.ts'
import type { AuditLevels } from './levels.ts'
import { verifyAuditHead } from './signed-head.ts'
import type { AuditHead, HeadKeyResolver } from './signed-head.ts'

/**
 * Problem of one of the node's own signed heads. `signature`: it does not verify under the node's
 * key in the membership file. `missing-entry`: the log has no readable entry at its seq, so
 * entries were removed. `hash-differs`: the entry at its seq now has another hash.
 */
export type OwnHeadProblemKind = 'signature' | 'missing-entry' | 'hash-differs'

export interface OwnHeadProblem {
  seq: number
  problem: OwnHeadProblemKind
  message: string
}

export interface OwnHeadsCheck {
  intact: boolean
  checked: number
  latest?: AuditHead
  /** The first problems found, at most MAX_REPORTED_PROBLEMS; `problemCount` counts all. */
  problems: OwnHeadProblem[]
  problemCount: number
}

/** Result of `nfp audit verify` and `GET /audit/verify`. */
export interface AuditVerifyReport {
  jurisdiction: string
  intact: boolean
  checkedAt: string
  /** Lowest seq at which any check fails; absent when the log is intact. */
  brokenAt?: number
  chain: ChainState & { intact: boolean }
  ownHeads: OwnHeadsCheck
}

const MAX_REPORTED_PROBLEMS = 20
const HEADS_PAGE_SIZE = 500

/**
 * Checks a node's whole audit log: the hash chain from entry 1, then each of the node's own
 * signed heads against the entry at its seq. A log rewritten with recomputed hashes passes the
 * chain check, but not the check against heads signed before the rewrite.
 */
export async function verifyAuditLog (
  levels: AuditLevels,
  options: { jurisdiction: string, resolveKey: HeadKeyResolver, now?: () => Date }
): Promise<AuditVerifyReport> {
  const chain = await new ChainScanner(levels.auditText).advance()
  const ownHeads = await checkOwnHeads(levels, options.jurisdiction, options.resolveKey)

  const brokenAt = lowestFailure(chain, ownHeads)
  return {
    jurisdiction: options.jurisdiction,
    intact: brokenAt === undefined,
    checkedAt: (options.now?.() ?? new Date()).toISOString(),
    ...(brokenAt === undefined ? {} : { brokenAt }),
    chain: { ...chain, intact: chain.broken === undefined },
    ownHeads
  }
}

/**
 * Returns the lowest seq at which the chain or an own head fails its check, or undefined. A
 * failing head for the empty log (seq 0) counts as seq 1, the lowest seq the protocol can name.
 */
export function lowestFailure (chain: ChainState, ownHeads: OwnHeadsCheck): number | undefined {
  const seqs = [chain.broken?.seq, ...ownHeads.problems.map(p => p.seq)].filter((s): s is number => s !== undefined)
  return seqs.length === 0 ? undefined : Math.max(1, Math.min(...seqs))
}

/** Checks every own signed head against the entry at its seq, a page at a time. */
export async function checkOwnHeads (levels: AuditLevels, jurisdiction: string, resolveKey: HeadKeyResolver): Promise<OwnHeadsCheck> {
  const heads = new HeadsStore(levels.heads)
  const problems: OwnHeadProblem[] = []
  let problemCount = 0
  let checked = 0
  let latest: AuditHead | undefined
  const report = (problem: OwnHeadProblem): void => {
    problemCount++
    if (problems.length < MAX_REPORTED_PROBLEMS) problems.push(problem)
  }

  for await (const value of heads.ownHeads(HEADS_PAGE_SIZE)) {
    checked++
    const stored = value as Partial<StoredHead> | null
    const storedSeq = Number.isSafeInteger(stored?.seq) && (stored?.seq as number) >= 0 ? stored?.seq as number : 0
    if (typeof stored?.jws !== 'string') {
      report({ seq: storedSeq, problem: 'signature', message: `own head ${storedSeq} is stored without its signed form` })
      continue
    }

    let head: AuditHead
    try {
      // NOTE: a head signed with a key the membership file no longer lists fails here; key
      // rotation is not supported yet.
      head = await verifyAuditHead(stored.jws, jurisdiction, resolveKey)
    } catch (err) {
      report({ seq: storedSeq, problem: 'signature', message: `own head ${storedSeq}: ${(err as Error).message}` })
      continue
    }
    latest = { jurisdiction: head.jurisdiction, seq: head.seq, hash: head.hash, at: head.at }

    const current = head.seq === 0 ? GENESIS_HASH : await readEntryHash(levels.auditText, auditKey(head.seq))
    if (current === undefined) {
      report({ seq: head.seq, problem: 'missing-entry', message: `own head signed at ${head.at} covers entry ${head.seq}, which the log no longer has as a readable entry` })
    } else if (current !== head.hash) {
      report({ seq: head.seq, problem: 'hash-differs', message: `own head signed at ${head.at} has hash ${head.hash} for entry ${head.seq}, but the entry now has hash ${current}` })
    }
  }

  return { intact: problemCount === 0, checked, ...(latest === undefined ? {} : { latest }), problems, problemCount }
}
