import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COPY_EXEMPTIONS } from '../../policy/copies.ts'
import { APPROVER_ROLES } from '../../policy/index.ts'
import type { ApproverRole } from '../../policy/index.ts'
import type { RequestService } from '../../requests/service.ts'
import { RequiredActor, requireActor } from '../actor.ts'
import { errorResponses } from '../schemas.ts'

const Tracked = Type.Object({}, { additionalProperties: true })
const CaseParams = Type.Object({ id: Type.String({ maxLength: 140 }) })
const ItemParams = Type.Object({ id: Type.String({ maxLength: 140 }), item: Type.String({ maxLength: 20 }) })
const Actor = Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))

/** Cases: requests for information this node received and answers under Directive (EU) 2023/977 Art. 5 and 6. */
export function caseRoutes (requests: RequestService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/cases', {
      schema: { summary: 'List received requests, the earliest deadline first', tags: ['cases'], response: { 200: Type.Array(Tracked), ...errorResponses } }
    }, async () => await requests.listCases())

    app.get('/cases/:id', {
      schema: { summary: 'Read one case', tags: ['cases'], params: CaseParams, response: { 200: Tracked, ...errorResponses } }
    }, async (request) => await requests.getCase(request.params.id))

    app.post('/cases/:id/items/:item/approve', {
      schema: {
        summary: 'Approve an item that awaits a person\'s approval, such as a judicial authorisation',
        tags: ['cases'],
        params: ItemParams,
        body: Type.Object({
          approvedBy: Type.String({ minLength: 1, maxLength: 200 }),
          role: Type.Unsafe<ApproverRole>({ type: 'string', enum: [...APPROVER_ROLES] }),
          reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          note: Type.Optional(Type.String({ maxLength: 2000 }))
        }, { additionalProperties: false }),
        response: { 200: Tracked, ...errorResponses }
      }
    }, async (request) => await requests.approveItem(request.params.id, request.params.item, request.body))

    app.post('/cases/:id/items/:item/refuse', {
      schema: {
        summary: 'Refuse an item with a ground from the closed list of Art. 6(1)',
        description: 'Any ground outside the list is answered with ERR_REFUSAL_GROUND_INVALID.',
        tags: ['cases'],
        params: ItemParams,
        body: Type.Object({ ground: Type.String({ minLength: 1, maxLength: 60 }), note: Type.String({ minLength: 3, maxLength: 2000 }), actor: RequiredActor }, { additionalProperties: false }),
        response: { 200: Tracked, ...errorResponses }
      }
    }, async (request) => await requests.refuseItem(request.params.id, request.params.item, request.body.ground, request.body.note, requireActor(request.body.actor)))

    app.post('/cases/:id/clarification', {
      schema: {
        summary: 'Ask the requester for clarification; the clock stops until the answer arrives',
        tags: ['cases'],
        params: CaseParams,
        body: Type.Object({ question: Type.String({ minLength: 3, maxLength: 10000 }), actor: Actor }, { additionalProperties: false }),
        response: { 200: Tracked, ...errorResponses }
      }
    }, async (request) => await requests.askClarification(request.params.id, request.body.question, request.body.actor))

    app.post('/cases/:id/answer', {
      schema: {
        summary: 'Send the answer: permitted records, signed, and a reasoned refusal for the rest',
        tags: ['cases'],
        params: CaseParams,
        body: Type.Object({
          actor: RequiredActor,
          europolCopy: Type.Optional(Type.Object({ copy: Type.Boolean(), reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false, description: 'The case-by-case assessment of Art. 12 for this answer.' })),
          copyExemption: Type.Optional(Type.Union(COPY_EXEMPTIONS.map(e => Type.Literal(e)), { description: 'An exemption of Art. 4(2) from the copy to a Single Point of Contact.' }))
        }, { additionalProperties: false }),
        response: { 200: Tracked, ...errorResponses }
      }
    }, async (request) => await requests.sendAnswer(request.params.id, requireActor(request.body.actor), {
      ...(request.body.europolCopy === undefined ? {} : { europolCopy: request.body.europolCopy }),
      ...(request.body.copyExemption === undefined ? {} : { copyExemption: request.body.copyExemption })
    }))
  }
}
