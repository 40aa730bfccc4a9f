import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { LinkService } from '../../linking/links.ts'
import { StoredRecord, errorResponses } from '../schemas.ts'

const LinkId = Type.String({ pattern: '^lnk-[0-9a-f]{24}$' })

const Link = Type.Object({
  id: Type.String(),
  records: Type.Array(Type.String(), { minItems: 2, maxItems: 2 }),
  kind: Type.String(),
  score: Type.Number({ description: 'Probability from the linking model that both records describe the same thing.' }),
  evidence: Type.Array(Type.Object({ feature: Type.String(), outcome: Type.String(), similarity: Type.Optional(Type.Number()) })),
  scoredBy: Type.String(),
  status: Type.Union([Type.Literal('proposed'), Type.Literal('confirmed'), Type.Literal('rejected')]),
  proposedAt: Type.String(),
  decidedBy: Type.Optional(Type.String()),
  decidedAt: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  recordLinkId: Type.Optional(Type.String())
})

const Operator = Type.String({ minLength: 1, maxLength: 200 })

/**
 * Links the linking model proposed between stored records, and the operator's decision on each.
 * `settled` resolves once the records stored so far are linked, so every route sees them.
 */
export function linkRoutes (links: LinkService, settled: () => Promise<void> = async () => {}): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.addHook('onRequest', async () => { await settled() })

    app.get('/links', {
      schema: {
        summary: 'List proposed and decided links',
        description: 'Returns 503 ERR_MODEL_UNAVAILABLE when the linking model is not loaded.',
        tags: ['links'],
        querystring: Type.Object({
          status: Type.Optional(Type.Union([Type.Literal('proposed'), Type.Literal('confirmed'), Type.Literal('rejected')])),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 })
        }, { additionalProperties: false }),
        response: { 200: Type.Array(Link), ...errorResponses }
      }
    }, async (request) => await links.list({ ...(request.query.status === undefined ? {} : { status: request.query.status }), limit: request.query.limit }))

    app.get('/links/:id', {
      schema: { summary: 'Read one link', tags: ['links'], params: Type.Object({ id: LinkId }), response: { 200: Link, ...errorResponses } }
    }, async (request) => await links.get(request.params.id))

    app.post('/links/:id/confirm', {
      schema: {
        summary: 'Confirm a proposed link; the node creates and signs a RecordLink record',
        description: 'The RecordLink takes the stricter handling code and the earlier review date of the two records. It is shared like any other record, after the outbound policy decided on it and on both records it names.',
        tags: ['links'],
        params: Type.Object({ id: LinkId }),
        body: Type.Object({
          confirmedBy: Operator,
          note: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
          legalBasis: Type.Optional(Type.String({ minLength: 3, maxLength: 500 })),
          grading: Type.Optional(Type.Object({
            sourceReliability: Type.Union(['A', 'B', 'C', 'X'].map(v => Type.Literal(v))),
            informationAccuracy: Type.Union([1, 2, 3, 4].map(v => Type.Literal(v)))
          }, { additionalProperties: false }))
        }, { additionalProperties: false }),
        response: { 200: Type.Object({ link: Link, record: StoredRecord }), ...errorResponses }
      }
    }, async (request) => await links.confirm(request.params.id, request.body as Parameters<LinkService['confirm']>[1]))

    app.post('/links/:id/reject', {
      schema: {
        summary: 'Reject a proposed link; the pair is not proposed again',
        tags: ['links'],
        params: Type.Object({ id: LinkId }),
        body: Type.Object({ rejectedBy: Operator, reason: Type.String({ minLength: 3, maxLength: 2000 }) }, { additionalProperties: false }),
        response: { 200: Link, ...errorResponses }
      }
    }, async (request) => await links.reject(request.params.id, request.body.rejectedBy, request.body.reason))
  }
}
