import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { listRecordsByKey } from '../../federation/key-records.ts'
import type { NodeService } from '../../service.ts'
import { errorResponses } from '../schemas.ts'

const SignedMembershipBody = Type.Object({
  membership: Type.Any({ description: 'The membership document; see protocol/schemas/membership.schema.json.' }),
  signature: Type.Object({ protected: Type.String(), signature: Type.String() }, { description: 'Detached JWS of the federation authority over the canonical form of `membership`.' })
})

/** The membership the node holds, the upload of a newer signed version, and records by signing key. */
export function federationRoutes (service: NodeService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/membership', {
      schema: {
        summary: 'Return the membership version this node holds, with its signature when it is signed',
        tags: ['federation'],
        response: { 200: Type.Object({ version: Type.Integer(), federation: Type.String(), signed: Type.Boolean(), document: Type.Any() }), ...errorResponses }
      }
    }, async () => {
      const signed = service.signedMembership
      return { version: service.membership.version, federation: service.membership.federation, signed: signed !== undefined, document: signed ?? service.membership }
    })

    app.put('/membership', {
      schema: {
        summary: 'Accept a newer membership version signed by the federation authority and pass it to the other members',
        tags: ['federation'],
        body: SignedMembershipBody,
        response: { 200: Type.Object({ version: Type.Integer(), members: Type.Array(Type.String()) }), ...errorResponses }
      }
    }, async (request) => {
      const membership = await service.acceptMembership(request.body, 'api')
      return { version: membership.version, members: membership.members.map(m => m.jurisdiction) }
    })

    app.get('/keys/:kid/records', {
      schema: {
        summary: 'List stored records signed with a record-signing key, with their status under the key\'s validity',
        tags: ['federation'],
        params: Type.Object({ kid: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) }),
        response: {
          200: Type.Object({
            kid: Type.String(),
            jurisdiction: Type.Optional(Type.String()),
            key: Type.Optional(Type.Object({ kid: Type.String(), validFrom: Type.Optional(Type.String()), validUntil: Type.Optional(Type.String()), revokedAt: Type.Optional(Type.String()) })),
            records: Type.Array(Type.Object({
              id: Type.String(),
              type: Type.String(),
              jurisdiction: Type.String(),
              modified: Type.String(),
              origin: Type.String(),
              status: Type.Union([Type.Literal('valid'), Type.Literal('revoked'), Type.Literal('outside-validity')])
            }))
          }),
          ...errorResponses
        }
      }
    }, async (request) => await listRecordsByKey(service, request.params.kid))
  }
}
