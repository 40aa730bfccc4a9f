import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { CopyItem } from '../../copies/produce.ts'
import type { NodeService } from '../../service.ts'
import { errorResponses } from '../schemas.ts'

// NOTE: responses are documented as free-form objects; the shape is CopyItem in node/src/copies/produce.ts.
const Copy = Type.Object({}, { additionalProperties: true })

/**
 * Copies to Single Points of Contact and to Europol that the policy module called for. The node
 * has no SIENA connection, so it sends none of them; they wait here for a person to forward.
 */
export function copyRoutes (service: NodeService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/copies', {
      schema: {
        summary: 'List copies owed to a Single Point of Contact or Europol, oldest first',
        description: 'Each copy has status `awaiting-channel`: this node has no SIENA connection and does not send copies itself.',
        tags: ['copies'],
        querystring: Type.Object({
          to: Type.Optional(Type.Union([Type.Literal('own-spoc'), Type.Literal('peer-spoc'), Type.Literal('europol')])),
          requestId: Type.Optional(Type.String({ maxLength: 100 }))
        }, { additionalProperties: false }),
        response: { 200: Type.Array(Copy), ...errorResponses }
      }
    }, async (request) => {
      const all = (await service.store.range<CopyItem>('copies', {})).map(([, c]) => c)
      return all.filter(c => (request.query.to === undefined || c.to === request.query.to) && (request.query.requestId === undefined || c.requestId === request.query.requestId))
    })
  }
}
