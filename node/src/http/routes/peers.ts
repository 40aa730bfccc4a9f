import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { readCursor } from '../../delivery/outbox.ts'
import type { NodeService } from '../../service.ts'
import { errorResponses } from '../schemas.ts'

/** Lists the federation members, whether this node is connected to each, and its delivery state. */
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
            connection: Type.Union([Type.Literal('self'), Type.Literal('connected'), Type.Literal('not-connected')]),
            delivery: Type.Optional(Type.Object({
              queued: Type.Integer({ description: 'Items in the outbox after the last acknowledged sequence number.' }),
              acknowledged: Type.Integer({ description: 'Last sequence number the peer acknowledged with a signed receipt.' }),
              failures: Type.Integer({ description: 'Failed attempts since the last success.' }),
              nextAttemptAt: Type.Optional(Type.String()),
              lastError: Type.Optional(Type.String())
            }))
          })),
          ...errorResponses
        }
      }
    }, async () => {
      const connected = new Set(service.network.getConnections().map(c => c.remotePeer.toString()))
      const states = new Map(service.delivery.states().map(s => [s.peer, s]))
      return await Promise.all(service.membership.members.map(async m => {
        const self = m.peerId === service.identity.peerId
        const base = {
          jurisdiction: m.jurisdiction,
          name: m.name,
          peerId: m.peerId,
          addresses: m.addresses,
          self,
          connection: self ? 'self' as const : connected.has(m.peerId) ? 'connected' as const : 'not-connected' as const
        }
        if (self) return base
        const cursor = await readCursor(service.store, m.jurisdiction)
        const state = states.get(m.jurisdiction)
        return {
          ...base,
          delivery: {
            queued: cursor.next - 1 - cursor.acked,
            acknowledged: cursor.acked,
            failures: state?.failures ?? 0,
            ...(state?.nextAttemptAt === undefined ? {} : { nextAttemptAt: state.nextAttemptAt }),
            ...(state?.lastError === undefined ? {} : { lastError: state.lastError })
          }
        }
      }))
    })
  }
}
