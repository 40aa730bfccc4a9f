import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { RequestService } from '../../requests/service.ts'
import { RequiredActor, requireActor } from '../actor.ts'
import { errorResponses } from '../schemas.ts'

// NOTE: responses are documented as free-form objects; the shapes are SentRequest and Case in node/src/requests/types.ts.
const Tracked = Type.Object({}, { additionalProperties: true })

/** Requests for information this node sends to peers (Directive (EU) 2023/977 Art. 4). */
export function requestRoutes (requests: RequestService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/requests', {
      schema: {
        summary: 'Send a request for information to a peer',
        description: 'The node checks the elements of Art. 4 itself, so a missing element is answered with ERR_REQUEST_INVALID naming the element in `field`.',
        tags: ['requests'],
        body: Type.Object({
          to: Type.String({ pattern: '^[A-Z]{2}$' }),
          content: Type.Unknown({ description: 'informationSought, purpose, availabilityReasons, persons and personLink, urgency, useRestrictions, language, europolCopy' }),
          actor: RequiredActor
        }, { additionalProperties: false }),
        response: { 201: Tracked, ...errorResponses }
      }
    }, async (request, reply) => {
      const sent = await requests.send(request.body.to, request.body.content, requireActor(request.body.actor))
      return await reply.code(201).send(sent)
    })

    app.get('/requests', {
      schema: { summary: 'List requests this node sent, with their status and deadline', tags: ['requests'], response: { 200: Type.Array(Tracked), ...errorResponses } }
    }, async () => await requests.listRequests())

    app.get('/requests/:id', {
      schema: { summary: 'Read one request this node sent', tags: ['requests'], params: Type.Object({ id: Type.String({ maxLength: 100 }) }), response: { 200: Tracked, ...errorResponses } }
    }, async (request) => await requests.getRequest(request.params.id))

    app.post('/requests/:id/clarification', {
      schema: {
        summary: 'Answer the clarification the peer asked for',
        tags: ['requests'],
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        body: Type.Object({ answer: Type.String({ minLength: 1, maxLength: 10000 }), actor: RequiredActor }, { additionalProperties: false }),
        response: { 200: Tracked, ...errorResponses }
      }
    }, async (request) => await requests.answerClarification(request.params.id, request.body.answer, requireActor(request.body.actor)))
  }
}
