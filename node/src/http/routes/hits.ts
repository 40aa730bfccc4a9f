import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IDENTIFIER_TYPES } from '@ceasefire/protocol'
import type { HitService } from '../../hits/service.ts'
import { RequiredActor, requireActor } from '../actor.ts'
import { errorResponses } from '../schemas.ts'

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength })

const Identifier = Type.Object({
  // A plain string here, so an unknown type reaches the normaliser and gets ERR_IDENTIFIER_TYPE_UNKNOWN with the list of types.
  type: Type.String({ minLength: 1, maxLength: 50, description: `Identifier type, one of ${IDENTIFIER_TYPES.join(', ')}; the other members depend on it (SPEC.md section 10.1).` }),
  serialNumber: Type.Optional(Text(200)),
  make: Type.Optional(Text(500)),
  address: Type.Optional(Text(200)),
  chain: Type.Optional(Text(50)),
  handle: Type.Optional(Text(200)),
  platform: Type.Optional(Text(200)),
  vin: Type.Optional(Text(50)),
  plate: Type.Optional(Text(50)),
  country: Type.Optional(Text(10)),
  familyName: Type.Optional(Text(200)),
  givenNames: Type.Optional(Text(200)),
  birthDate: Type.Optional(Text(10))
}, { additionalProperties: false })

const Match = Type.Object({ reference: Type.String(), jurisdiction: Type.String() })

const Hit = Type.Object({
  hitId: Type.String(),
  direction: Type.Union([Type.Literal('outgoing'), Type.Literal('incoming')]),
  queryId: Type.String(),
  peer: Type.String({ description: 'The member that reported the hit (outgoing) or queried (incoming).' }),
  identifierType: Type.String(),
  identifier: Type.Optional(Type.String({ description: 'The normalised identifier; only at the querying node.' })),
  at: Type.String(),
  followUpBy: Type.String({ description: 'End of the 48-hour follow-up period.' }),
  overdue: Type.Boolean(),
  matches: Type.Array(Match),
  requestId: Type.Optional(Type.String()),
  requestedAt: Type.Optional(Type.String())
})

const QueryResult = Type.Object({
  queryId: Type.String(),
  identifierType: Type.String(),
  startedAt: Type.String(),
  durationMs: Type.Number(),
  results: Type.Array(Type.Object({
    jurisdiction: Type.String(),
    status: Type.Union([Type.Literal('hit'), Type.Literal('no-hit'), Type.Literal('unanswered'), Type.Literal('rejected')]),
    code: Type.Optional(Type.String()),
    message: Type.Optional(Type.String()),
    hit: Type.Optional(Hit)
  }))
})

const FollowUp = Type.Object({
  purpose: Type.Object({ description: Text(5000), facts: Text(10000), offence: Text(500) }, { additionalProperties: false }),
  urgency: Type.Object({ urgent: Type.Boolean(), ground: Type.Optional(Text(100)), reasons: Type.Optional(Text(5000)) }, { additionalProperties: false }),
  useRestrictions: Text(5000),
  europolCopy: Type.Object({ copy: Type.Boolean(), reason: Text(2000) }, { additionalProperties: false }),
  language: Type.Optional(Type.String({ pattern: '^[a-z]{2}$' })),
  description: Type.Optional(Text(5000)),
  availabilityReasons: Type.Optional(Text(5000)),
  persons: Type.Optional(Type.Array(Text(500), { maxItems: 50 })),
  personLink: Type.Optional(Text(5000)),
  actor: RequiredActor
}, { additionalProperties: false })

/** Hit/no-hit queries across the federation, the hits both ends keep, and their follow-up. */
export function hitRoutes (hits: HitService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/hits/queries', {
      schema: {
        summary: 'Query an identifier at every other member without revealing it',
        description: 'Normalises the identifier, then runs the OPRF hit/no-hit protocol with each peer in parallel. A peer that does not answer within the time limit is `unanswered`, never `no-hit`. A hit names only record references and their owning jurisdiction.',
        tags: ['hits'],
        body: Type.Object({
          identifier: Identifier,
          peers: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { minItems: 1, maxItems: 100, uniqueItems: true })),
          timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60000, description: 'Time limit for the whole query (ms).' })),
          actor: RequiredActor
        }, { additionalProperties: false }),
        response: { 200: QueryResult, ...errorResponses }
      }
    }, async (request) => await hits.query(request.body.identifier, {
      actor: requireActor(request.body.actor),
      ...(request.body.peers === undefined ? {} : { peers: request.body.peers }),
      ...(request.body.timeoutMs === undefined ? {} : { timeoutMs: request.body.timeoutMs })
    }))

    app.get('/hits', {
      schema: { summary: 'List the hits this node reported to members and received from them, newest first', tags: ['hits'], response: { 200: Type.Array(Hit), ...errorResponses } }
    }, async () => await hits.listHits())

    app.get('/hits/index', {
      schema: {
        summary: 'Report whether the hit index is ready, and the key epoch and filter version of each identifier type',
        description: 'While `building` is true (filters still loading, a rebuild under a new policy module running, or a rebuild that failed since the last start), members get ERR_HIT_INDEX_BUILDING for their hit queries.',
        tags: ['hits'],
        response: {
          200: Type.Object({
            building: Type.Boolean(),
            recordsDecided: Type.Integer({ description: 'Records the current or last rebuild decided again under the policy.' }),
            types: Type.Array(Type.Object({ identifierType: Type.String(), keyEpoch: Type.Integer(), filterVersion: Type.Integer() }))
          }),
          ...errorResponses
        }
      }
    }, async () => ({
      building: hits.index.building,
      recordsDecided: hits.index.rebuildProgress,
      types: IDENTIFIER_TYPES.map(type => {
        const { epoch, version } = hits.index.filterState(type)
        return { identifierType: type, keyEpoch: epoch, filterVersion: version }
      })
    }))

    app.get('/hits/:id', {
      schema: { summary: 'Read one hit with its follow-up period', tags: ['hits'], params: Type.Object({ id: Type.String({ maxLength: 100 }) }), response: { 200: Hit, ...errorResponses } }
    }, async (request) => await hits.getHit(request.params.id))

    app.post('/hits/:id/request', {
      schema: {
        summary: 'Turn an outgoing hit into a request for information to the member that reported it',
        description: 'The hit supplies the records sought (its references) and the reason to believe the member holds them; the body supplies the other elements of Directive (EU) 2023/977 Art. 4.',
        tags: ['hits'],
        params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
        body: FollowUp,
        response: { 201: Type.Object({ hit: Hit, request: Type.Object({}, { additionalProperties: true }) }), ...errorResponses }
      }
    }, async (request, reply) => {
      const { actor, ...elements } = request.body
      const result = await hits.requestInformation(request.params.id, elements, requireActor(actor))
      return await reply.code(201).send(result)
    })
  }
}
