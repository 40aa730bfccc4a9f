import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ModelRuntime } from '../../models/runtime.ts'
import type { NodeService } from '../../service.ts'

/** Reports that the node is up, and which jurisdiction and peer id it speaks for. Needs no token. */
export function healthRoutes (service: NodeService, models?: ModelRuntime): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/health', {
      schema: {
        summary: 'Node health and identity',
        tags: ['node'],
        security: [],
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            jurisdiction: Type.String(),
            peerId: Type.String(),
            federation: Type.String(),
            members: Type.Array(Type.String()),
            policy: Type.Object({ jurisdiction: Type.String(), version: Type.String(), hash: Type.String() }),
            listen: Type.Array(Type.String()),
            models: Type.Object({
              available: Type.Boolean({ description: 'Whether record linking and listing triage can run.' }),
              reason: Type.Optional(Type.String()),
              runtime: Type.String(),
              models: Type.Array(Type.Object({ name: Type.String(), sha256: Type.String() }))
            })
          })
        }
      }
    }, async () => ({
      status: 'ok' as const,
      jurisdiction: service.jurisdiction,
      peerId: service.identity.peerId,
      federation: service.membership.federation,
      members: service.membership.members.map(m => m.jurisdiction),
      policy: { jurisdiction: service.policy.jurisdiction, version: service.policy.version, hash: service.policy.hash },
      listen: service.network.getMultiaddrs().map(a => a.toString()),
      models: models?.status ?? { available: false, reason: 'this node was started without linking and triage', runtime: 'none', models: [] }
    }))
  }
}
