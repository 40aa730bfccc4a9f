import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { NodeService } from '../../service.ts'
import { errorResponses } from '../schemas.ts'

/** Lists the other federation members and whether this node is connected to each. */
export function peerRoutes (service: NodeService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/peers', {
      schema: {
        summary: 'List federation members with their connection state',
        tags: ['peers'],
        response: {
          200: Type.Array(Type.Object({
            jurisdiction: Type.String(),
            name: Type.String(),
            peerId: Type.String(),
            addresses: Type.Array(Type.String()),
            self: Type.Boolean(),
            connection: Type.Union([Type.Literal('self'), Type.Literal('connected'), Type.Literal('not-connected')])
          })),
          ...errorResponses
        }
      }
    }, async () => {
      const connected = new Set(service.network.getConnections().map(c => c.remotePeer.toString()))
      return service.membership.members.map(m => {
        const self = m.peerId === service.identity.peerId
        return {
          jurisdiction: m.jurisdiction,
          name: m.name,
          peerId: m.peerId,
          addresses: m.addresses,
          self,
          connection: self ? 'self' as const : connected.has(m.peerId) ? 'connected' as const : 'not-connected' as const
        }
      })
    })
  }
}
