import type { IdentifierType } from '@ceasefire/protocol'

/** Hours from a hit to the end of its follow-up period, after Prüm II's period for core data. */
export const FOLLOW_UP_HOURS = 48

/** A record that matched a hit, as the responder names it: its id and the jurisdiction that owns it. */
export interface HitMatch {
  reference: string
  jurisdiction: string
}

/** The part of a hit both ends share. */
export interface HitSummary {
  hitId: string
  at: string
  followUpBy: string
  matches: HitMatch[]
}

/**
 * A hit as one node keeps it. `outgoing`: this node queried and `peer` reported the hit;
 * `incoming`: `peer` queried and found records of this node.
 */
export interface HitRecord extends HitSummary {
  direction: 'outgoing' | 'incoming'
  queryId: string
  peer: string
  identifierType: IdentifierType
  /** The normalised identifier; kept only at the querying node, which typed it in. */
  identifier?: string
  /** The request for information that followed the hit, once there is one. */
  requestId?: string
  requestedAt?: string
}

/** Messages of `/nfp/hit/1.0.0` from querier to responder. */
export type HitMessage =
  | { type: 'hit-evaluate', queryId: string, sender: string, receiver: string, identifierType: IdentifierType, suite: 'ristretto255-SHA512', blinded: string }
  | { type: 'hit-filter', sender: string, receiver: string, identifierType: IdentifierType, keyEpoch?: number, sinceVersion?: number, offset?: number }
  | { type: 'hit-confirm', queryId: string, sender: string, receiver: string, identifierType: IdentifierType, keyEpoch: number, token: string }

/** Replies of `/nfp/hit/1.0.0`. */
export type HitReply =
  | { type: 'hit-evaluated', queryId: string, identifierType: IdentifierType, suite: 'ristretto255-SHA512', keyEpoch: number, filterVersion: number, evaluated: string }
  | { type: 'hit-filter-result', identifierType: IdentifierType, keyEpoch: number, version: number, tagBytes: 5, kind: 'full' | 'delta', tags?: string, added?: string, removed?: string, offset: number, total: number, more: boolean }
  | { type: 'hit-confirmed', queryId: string, outcome: 'hit' | 'no-hit', hit?: HitSummary }
  | { type: 'error', queryId?: string, code: string, message: string, retryAfterMs?: number }

/** Result of a query at one peer. `unanswered` is never a no-hit, because the peer may hold the identifier. */
export interface PeerResult {
  jurisdiction: string
  status: 'hit' | 'no-hit' | 'unanswered' | 'rejected'
  code?: string
  message?: string
  hit?: HitRecord & { overdue: boolean }
}

/** The outcome of one query across the federation. */
export interface QueryResult {
  queryId: string
  identifierType: IdentifierType
  startedAt: string
  durationMs: number
  results: PeerResult[]
}
