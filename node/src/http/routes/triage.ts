import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { NodeService } from '../../service.ts'
import { TRIAGE_CLASSES } from '../../triage/classes.ts'
import type { TriageClass } from '../../triage/classes.ts'
import type { TriageService } from '../../triage/triage.ts'
import { errorResponses } from '../schemas.ts'

const RecordId = Type.String({ pattern: '^urn:nfp:[a-z]{2}:[a-z]+:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' })
const TriageClassSchema = Type.Unsafe<TriageClass>({ type: 'string', enum: [...TRIAGE_CLASSES] })

const Field = Type.Object({ value: Type.String(), confidence: Type.Number() })
const Result = Type.Object({
  class: TriageClassSchema,
  confidence: Type.Number(),
  probabilities: Type.Record(Type.String(), Type.Number()),
  rule: Type.Optional(Type.String()),
  offer: Type.Object({ make: Type.Optional(Field), model: Type.Optional(Field), calibre: Type.Optional(Field) }),
  scoredBy: Type.String()
})
const Stored = Type.Object({ recordId: Type.String(), versionHash: Type.String(), title: Type.String(), result: Result })

/** Triage of web listings: the class of what a listing sells and the make, model and calibre it offers. */
export function triageRoutes (service: NodeService, triage: TriageService, settled: () => Promise<void> = async () => {}): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Triage of stored listings runs after storing; reads wait until the records stored so far are done.
    app.addHook('onRequest', async () => { await settled() })

    app.post('/triage', {
      schema: {
        summary: 'Triage a listing text without storing anything',
        description: 'Returns 503 ERR_MODEL_UNAVAILABLE when the triage model is not loaded.',
        tags: ['triage'],
        body: Type.Object({
          title: Type.String({ minLength: 1, maxLength: 1000 }),
          description: Type.Optional(Type.String({ minLength: 1, maxLength: 5000 })),
          subcategory: Type.Optional(Type.String({ minLength: 1, maxLength: 500 }))
        }, { additionalProperties: false }),
        response: { 200: Result, ...errorResponses }
      }
    }, async (request) => (await triage.classify([request.body]))[0]!)

    app.get('/triage', {
      schema: {
        summary: 'List triaged WebListing records',
        tags: ['triage'],
        querystring: Type.Object({
          class: Type.Optional(TriageClassSchema),
          minConfidence: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 })
        }, { additionalProperties: false }),
        response: { 200: Type.Array(Stored), ...errorResponses }
      }
    }, async (request) => await triage.list({ ...(request.query.class === undefined ? {} : { class: request.query.class }), minConfidence: request.query.minConfidence, limit: request.query.limit }))

    app.get('/records/:id/triage', {
      schema: { summary: 'Triage of one stored WebListing record', tags: ['triage'], params: Type.Object({ id: RecordId }), response: { 200: Stored, ...errorResponses } }
    }, async (request) => await triage.forRecord((await service.getRecord(request.params.id)).signed.record))
  }
}
