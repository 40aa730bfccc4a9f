import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ProposalService } from '../../initiative/proposals.ts'
import { APPROVER_ROLES } from '../../policy/index.ts'
import type { ApproverRole } from '../../policy/index.ts'
import { RequiredActor, requireActor } from '../actor.ts'
import { errorResponses } from '../schemas.ts'

// NOTE: responses are documented as free-form objects; the shape is Proposal in node/src/initiative/proposals.ts.
const Tracked = Type.Object({}, { additionalProperties: true })
const Params = Type.Object({ id: Type.String({ maxLength: 100 }) })
const Actor = Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))

/** Own-initiative provision (Directive (EU) 2023/977 Art. 7): proposals the policy module made, for an operator to confirm or dismiss. */
export function proposalRoutes (proposals: ProposalService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/proposals', {
      schema: {
        summary: 'List own-initiative proposals, oldest first',
        tags: ['proposals'],
        querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('proposed'), Type.Literal('confirmed'), Type.Literal('dismissed')])) }, { additionalProperties: false }),
        response: { 200: Type.Array(Tracked), ...errorResponses }
      }
    }, async (request) => await proposals.list(request.query.status))

    app.get('/proposals/:id', {
      schema: { summary: 'Read one own-initiative proposal', tags: ['proposals'], params: Params, response: { 200: Tracked, ...errorResponses } }
    }, async (request) => await proposals.get(request.params.id))

    app.post('/proposals/:id/confirm', {
      schema: {
        summary: 'Share the proposed record with the peer through the normal outbound path',
        description: 'The outbound policy decides again. A deny is rejected with ERR_POLICY_DENIED and a missing approval with ERR_POLICY_APPROVAL_REQUIRED, and the proposal stays open.',
        tags: ['proposals'],
        params: Params,
        body: Type.Object({
          actor: RequiredActor,
          approvals: Type.Optional(Type.Array(Type.Object({
            approvedBy: Type.String({ minLength: 1, maxLength: 200 }),
            role: Type.Unsafe<ApproverRole>({ type: 'string', enum: [...APPROVER_ROLES] }),
            reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            note: Type.Optional(Type.String({ maxLength: 2000 }))
          }, { additionalProperties: false }), { maxItems: 10 }))
        }, { additionalProperties: false }),
        response: { 200: Tracked, ...errorResponses }
      }
    }, async (request) => await proposals.confirm(request.params.id, { ...request.body, actor: requireActor(request.body.actor) }))

    app.post('/proposals/:id/dismiss', {
      schema: {
        summary: 'Close a proposal without sharing',
        tags: ['proposals'],
        params: Params,
        body: Type.Object({ actor: Actor, note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) }, { additionalProperties: false }),
        response: { 200: Tracked, ...errorResponses }
      }
    }, async (request) => await proposals.dismiss(request.params.id, request.body))
  }
}
