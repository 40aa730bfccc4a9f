import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AuditHeads } from '../../audit/audit-heads.ts'
import { errorResponses } from '../schemas.ts'

const Hash = Type.String({ pattern: '^sha256:[0-9a-f]{64}$' })

const Head = Type.Object({
  jurisdiction: Type.String(),
  seq: Type.Integer({ minimum: 0 }),
  hash: Hash,
  at: Type.String({ description: 'When the head was signed.' })
})

const SignedHead = Type.Object({
  jurisdiction: Type.String(),
  seq: Type.Integer({ minimum: 0 }),
  hash: Hash,
  at: Type.String(),
  jws: Type.String({ description: 'Compact JWS (typ nfp-audit-head+jws) over { jurisdiction, seq, hash, at }.' }),
  receivedAt: Type.Optional(Type.String({ description: 'When this node received the head; only on heads of peers.' }))
})

const Mismatch = Type.Object({
  peer: Type.String(),
  seq: Type.Integer({ description: 'Seq of the peer\'s audit entry the mismatch is about.' }),
  kind: Type.Union([Type.Literal('hash-changed'), Type.Literal('seq-decreased'), Type.Literal('entry-missing'), Type.Literal('chain-broken')]),
  seen: Type.Optional(Type.String({ description: 'Hash this node stored for the seq before.' })),
  received: Type.Optional(Type.String({ description: 'Hash, or head seq, the peer sent.' })),
  message: Type.String(),
  detectedAt: Type.Optional(Type.String()),
  evidence: Type.Optional(Type.String({ description: 'The peer\'s signed head from the exchange that found the mismatch.' }))
})

const ExchangeOutcome = Type.Object({
  peer: Type.String(),
  status: Type.Union([Type.Literal('consistent'), Type.Literal('mismatch'), Type.Literal('failed')]),
  at: Type.String(),
  head: Type.Optional(Head),
  storedNewHead: Type.Boolean(),
  mismatches: Type.Array(Mismatch),
  code: Type.Optional(Type.String({ description: 'Error code when the exchange failed (see docs/errors.md).' })),
  message: Type.Optional(Type.String())
})

const VerifyReport = Type.Object({
  jurisdiction: Type.String(),
  intact: Type.Boolean(),
  checkedAt: Type.String(),
  brokenAt: Type.Optional(Type.Integer({ description: 'Lowest seq at which a check fails.' })),
  chain: Type.Object({
    intact: Type.Boolean(),
    entries: Type.Integer(),
    head: Type.Object({ seq: Type.Integer(), hash: Type.Optional(Type.String()) }),
    broken: Type.Optional(Type.Object({
      seq: Type.Integer(),
      problem: Type.Union([Type.Literal('unreadable'), Type.Literal('seq'), Type.Literal('prev-hash'), Type.Literal('entry-hash')]),
      message: Type.String()
    }))
  }),
  ownHeads: Type.Object({
    intact: Type.Boolean(),
    checked: Type.Integer(),
    latest: Type.Optional(Head),
    problems: Type.Array(Type.Object({
      seq: Type.Integer(),
      problem: Type.Union([Type.Literal('signature'), Type.Literal('missing-entry'), Type.Literal('hash-differs')]),
      message: Type.String()
    })),
    problemCount: Type.Integer()
  })
})

const HeadsStatus = Type.Object({
  jurisdiction: Type.String(),
  own: Type.Object({ latest: Type.Optional(SignedHead), count: Type.Integer() }),
  checks: Type.Object({
    checkedThrough: Type.Integer({ description: 'Last entry of this node\'s log it has checked since it started.' }),
    brokenAt: Type.Optional(Type.Integer({ description: 'Lowest seq at which this node\'s own checks fail; while set, it signs no new heads.' }))
  }),
  peers: Type.Array(Type.Object({
    jurisdiction: Type.String(),
    connected: Type.Boolean(),
    latest: Type.Optional(SignedHead),
    headsStored: Type.Integer(),
    mismatch: Type.Boolean({ description: 'True when any mismatch was ever found for this peer.' }),
    mismatches: Type.Array(Mismatch, { description: 'The first 50 mismatches in seq order.' }),
    lastExchange: Type.Optional(ExchangeOutcome)
  }))
})

/** Signed audit heads: the check of this node's own log, the heads of peers, and exchanges on demand. */
export function auditHeadRoutes (auditHeads: AuditHeads): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/audit/verify', {
      schema: {
        summary: 'Check the whole audit log and this node\'s signed heads',
        description: 'Recomputes the hash chain from entry 1 and checks each of this node\'s own signed heads against the entry at its seq. Reports the first broken entry and what is wrong with it. Reads the whole log, so it takes time on a large log.',
        tags: ['audit'],
        response: { 200: VerifyReport, ...errorResponses }
      }
    }, async () => await auditHeads.verify())

    app.get('/audit/heads', {
      schema: {
        summary: 'This node\'s latest signed head and the heads stored from each peer',
        description: 'For each other member: the latest head received, how many are stored, every mismatch found so far and the outcome of the last exchange since this node started.',
        tags: ['audit'],
        response: { 200: HeadsStatus, ...errorResponses }
      }
    }, async () => await auditHeads.status())

    app.post('/audit/heads/exchange', {
      schema: {
        summary: 'Exchange audit heads with peers now',
        description: 'Asks each named member (default: every other member) for its latest signed head and the hashes of entries seen before, and checks them against the stored heads. A mismatch is written to the audit log as `audit.peer-mismatch`.',
        tags: ['audit'],
        body: Type.Object({
          peers: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { minItems: 1, maxItems: 64, uniqueItems: true, description: 'Jurisdictions to exchange with.' }))
        }, { additionalProperties: false, description: 'May be left out, which means every other member.' }),
        response: { 200: Type.Object({ outcomes: Type.Array(ExchangeOutcome) }), ...errorResponses }
      },
      // A request without a body means every member; validation runs after this hook.
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {}
      }
    }, async (request) => ({ outcomes: await auditHeads.exchangeNow(request.body.peers) }))
  }
}
