import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { APPROVER_ROLES } from '../../policy/index.ts'
import type { ApproverRole } from '../../policy/index.ts'
import type { NodeService } from '../../service.ts'
import { Decision, StoredRecord, errorResponses } from '../schemas.ts'
import type { DecisionBody } from '../schemas.ts'

const RecordId = Type.String({ pattern: '^urn:nfp:[a-z]{2}:[a-z]+:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' })

/** Received records that the inbound policy holds until a person approves or rejects them. */
export function quarantineRoutes (service: NodeService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/quarantine', {
      schema: {
        summary: 'List received records held for approval',
        tags: ['quarantine'],
        response: {
          200: Type.Array(Type.Object({ stored: StoredRecord, decision: Decision, messageId: Type.String(), heldAt: Type.String() })),
          ...errorResponses
        }
      }
    }, async () => (await service.listHeld()).map(h => ({ ...h, decision: h.decision as unknown as DecisionBody })))

    app.post('/quarantine/:id/approve', {
      schema: {
        summary: 'Approve a held record, which is then stored',
        tags: ['quarantine'],
        params: Type.Object({ id: RecordId }),
        body: Type.Object({
          approvals: Type.Array(Type.Object({
            approvedBy: Type.String({ minLength: 1, maxLength: 200 }),
            role: Type.Unsafe<ApproverRole>({ type: 'string', enum: [...APPROVER_ROLES] }),
            reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            note: Type.Optional(Type.String({ maxLength: 2000 }))
          }, { additionalProperties: false }), { minItems: 1, maxItems: 10, description: 'One approval per role the hold names.' })
        }, { additionalProperties: false }),
        response: { 200: StoredRecord, ...errorResponses }
      }
    }, async (request) => await service.approveHeld(request.params.id, request.body.approvals))

    app.post('/quarantine/:id/reject', {
      schema: {
        summary: 'Discard a held record',
        tags: ['quarantine'],
        params: Type.Object({ id: RecordId }),
        body: Type.Object({ rejectedBy: Type.String({ minLength: 1, maxLength: 200 }), reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses }
      }
    }, async (request, reply) => {
      await service.rejectHeld(request.params.id, request.body.rejectedBy, request.body.reason)
      return await reply.code(204).send(null)
    })
  }
}
