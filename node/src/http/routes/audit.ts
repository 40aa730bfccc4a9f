import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { NodeService } from '../../service.ts'
import { errorResponses } from '../schemas.ts'

const AuditEntry = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  event: Type.String(),
  recordId: Type.Optional(Type.String()),
  recordType: Type.Optional(Type.String()),
  versionHash: Type.Optional(Type.String()),
  peer: Type.Optional(Type.String()),
  messageId: Type.Optional(Type.String()),
  decision: Type.Optional(Type.String()),
  policyHash: Type.Optional(Type.String()),
  actor: Type.Optional(Type.String()),
  legalBasis: Type.Optional(Type.String()),
  rules: Type.Optional(Type.Array(Type.String())),
  removedFields: Type.Optional(Type.Array(Type.String())),
  code: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  prevHash: Type.String(),
  hash: Type.String()
})

/** Reads the append-only, hash-chained audit log. */
export function auditRoutes (service: NodeService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/audit', {
      schema: {
        summary: 'Read the audit log in order, a page at a time',
        description: 'Entries record every ingest, policy decision, send, receipt and rejection, never record contents. Each entry carries the hash of the previous one.',
        tags: ['audit'],
        querystring: Type.Object({
          after: Type.Integer({ minimum: 0, default: 0, description: 'Return entries with a sequence number greater than this.' }),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 })
        }, { additionalProperties: false }),
        response: {
          200: Type.Object({ entries: Type.Array(AuditEntry), chainValid: Type.Optional(Type.Boolean({ description: 'Whether the whole chain verifies; computed for the first page only (after=0), since it reads the whole log. GET /audit/verify gives the full check.' })) }),
          ...errorResponses
        }
      }
    }, async (request) => {
      const entries = await service.store.listAudit(request.query.after, request.query.limit)
      if (request.query.after !== 0) return { entries }
      const broken = await service.store.verifyAuditChain()
      return { entries, chainValid: broken === undefined }
    })
  }
}
