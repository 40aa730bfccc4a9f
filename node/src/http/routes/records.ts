import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { RECORD_TYPES, errors } from '@ceasefire/protocol'
import { APPROVER_ROLES } from '../../policy/index.ts'
import type { ApproverRole } from '../../policy/index.ts'
import type { NodeService } from '../../service.ts'
import { Decision, StoredRecord, errorResponses } from '../schemas.ts'

const ShareOutcomeBody = Type.Object({
  recordId: Type.String(),
  recipient: Type.String(),
  decision: Decision,
  sentVersionHash: Type.String(),
  delivery: Type.Object({ status: Type.Union([Type.Literal('stored'), Type.Literal('unchanged'), Type.Literal('queued')]), seq: Type.Integer(), messageId: Type.Optional(Type.String()) })
})
import type { DecisionBody } from '../schemas.ts'

/** Most records one batch share request may name; the outbox commit of a batch grows with it. */
const MAX_BATCH_SHARE = 1000

const RecordId = Type.String({ pattern: '^urn:nfp:[a-z]{2}:[a-z]+:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' })

/** Routes to ingest, read, list and share records. */
export function recordRoutes (service: NodeService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/records', {
      schema: {
        summary: 'Ingest a record of this node\'s jurisdiction',
        description: 'The body is a record without `versionHash`; `provenance` may be left out and is filled in. The node checks the record against its schema (unknown fields are rejected, not removed), signs and stores it. Posting the same content again returns `unchanged`.',
        tags: ['records'],
        body: Type.Object({}, { additionalProperties: true, description: 'A record draft; see protocol/schemas/*.schema.json.' }),
        querystring: Type.Object({
          existing: Type.Unsafe<'update' | 'keep'>({ type: 'string', enum: ['update', 'keep'], default: 'update', description: '`keep` leaves a stored record with this id as it is (status `kept`), so a repeated import does not undo changes made since.' })
        }, { additionalProperties: false }),
        response: {
          201: Type.Object({ status: Type.Union([Type.Literal('created'), Type.Literal('updated')]), id: Type.String(), versionHash: Type.String() }),
          200: Type.Object({ status: Type.Union([Type.Literal('unchanged'), Type.Literal('kept')]), id: Type.String(), versionHash: Type.String() }),
          ...errorResponses
        }
      }
    }, async (request, reply) => {
      const result = await service.ingest(request.body, { keepExisting: request.query.existing === 'keep' })
      const record = result.stored.signed.record
      return await reply.code(result.status === 'created' || result.status === 'updated' ? 201 : 200).send({ status: result.status, id: record.id, versionHash: record.versionHash } as never)
    })

    app.get('/records/:id', {
      schema: {
        summary: 'Get one stored record with its signature and how it arrived',
        tags: ['records'],
        params: Type.Object({ id: RecordId }),
        response: { 200: StoredRecord, ...errorResponses }
      }
    }, async (request) => await service.getRecord(request.params.id))

    app.get('/records', {
      schema: {
        summary: 'List stored records, optionally filtered by type and originating jurisdiction',
        tags: ['records'],
        querystring: Type.Object({
          type: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: [...RECORD_TYPES] })),
          jurisdiction: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })),
          after: Type.Optional(Type.String({ description: 'Return records whose id sorts after this id (the `next` value of the previous page).' })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 })
        }, { additionalProperties: false }),
        response: {
          200: Type.Object({ items: Type.Array(StoredRecord), next: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses
        }
      }
    }, async (request) => {
      const { type, jurisdiction, after, limit } = request.query
      const items = await service.store.listRecords({
        limit,
        ...(type === undefined ? {} : { type }),
        ...(jurisdiction === undefined ? {} : { jurisdiction }),
        ...(after === undefined ? {} : { after })
      })
      const next = items.length === limit ? items[items.length - 1]!.signed.record.id : null
      return { items, next }
    })

    app.post('/records/:id/share', {
      schema: {
        summary: 'Share a record with a member of the federation',
        description: 'The outbound policy of this node decides first. A denial returns 403 `ERR_POLICY_DENIED` with the decision and nothing is sent. A permit may remove fields from the copy that is sent; the decision names them. The copy goes into the durable outbox: 200 means the receiver acknowledged it with a signed receipt, 202 means it is queued and delivery keeps being retried.',
        tags: ['records'],
        params: Type.Object({ id: RecordId }),
        body: Type.Object({
          to: Type.String({ pattern: '^[A-Z]{2}$', description: 'Jurisdiction of the recipient.' }),
          approvals: Type.Optional(Type.Array(Type.Object({
            approvedBy: Type.String({ minLength: 1, maxLength: 200, description: 'Name or service number of the person who approved.' }),
            role: Type.Unsafe<ApproverRole>({ type: 'string', enum: [...APPROVER_ROLES] }),
            reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Reference of the authorisation, e.g. a court decision number.' })),
            note: Type.Optional(Type.String({ maxLength: 2000 }))
          }, { additionalProperties: false }), { maxItems: 10, description: 'Needed when the policy requires approval: one per role that 403 ERR_POLICY_APPROVAL_REQUIRED names.' }))
        }, { additionalProperties: false }),
        response: {
          200: ShareOutcomeBody,
          202: ShareOutcomeBody,
          ...errorResponses
        }
      }
    }, async (request, reply) => {
      const operator = request.headers['x-operator']
      const outcome = await service.share(request.params.id, request.body.to, {
        actor: typeof operator === 'string' && operator !== '' ? `operator ${operator.slice(0, 100)}` : 'api',
        ...(request.body.approvals === undefined ? {} : { approvals: request.body.approvals })
      })
      // The policy engine returns read-only arrays; the response schema describes the same shape.
      return await reply.code(outcome.delivery.status === 'queued' ? 202 : 200).send({ ...outcome, decision: outcome.decision as unknown as DecisionBody })
    })

    app.post('/records/share', {
      schema: {
        summary: 'Share many records with one member of the federation',
        description: 'Each record gets its own outbound policy decision, audited as with a single share; the permitted ones go into the durable outbox in one batch and the call returns without waiting for delivery. Records that are denied, need approvals (share those one by one with approvals) or are not stored are returned as `rejected` with a code. `GET /peers` shows delivery progress.',
        tags: ['records'],
        body: Type.Object({
          to: Type.String({ pattern: '^[A-Z]{2}$', description: 'Jurisdiction of the recipient.' }),
          ids: Type.Array(RecordId, { minItems: 1, maxItems: MAX_BATCH_SHARE, description: `Ids of stored records, at most ${MAX_BATCH_SHARE}.` })
        }, { additionalProperties: false }),
        response: {
          202: Type.Object({
            outcomes: Type.Array(Type.Object({
              recordId: Type.String(),
              status: Type.Union([Type.Literal('queued'), Type.Literal('rejected')]),
              seq: Type.Optional(Type.Integer()),
              sentVersionHash: Type.Optional(Type.String()),
              decision: Type.Optional(Type.String()),
              code: Type.Optional(Type.String()),
              message: Type.Optional(Type.String())
            }))
          }),
          ...errorResponses
        }
      }
    }, async (request, reply) => {
      const operator = request.headers['x-operator']
      const outcomes = await service.shareMany(request.body.ids, request.body.to, {
        actor: typeof operator === 'string' && operator !== '' ? `operator ${operator.slice(0, 100)}` : 'api'
      })
      return await reply.code(202).send({ outcomes })
    })

    app.post('/records/:id/revoke', {
      schema: {
        summary: 'Revoke a record this node originated at every peer it was shared with',
        description: 'Each peer deletes the record, passes the revocation on to the peers it relayed the record to, and returns a signed deletion receipt. `GET /records/{id}/disclosures` lists the receipts still missing.',
        tags: ['records'],
        params: Type.Object({ id: RecordId }),
        body: Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 202: Type.Object({ recordId: Type.String(), peers: Type.Array(Type.String()) }), ...errorResponses }
      }
    }, async (request, reply) => await reply.code(202).send(await service.revoke(request.params.id, request.body.reason)))

    app.get('/records/:id/disclosures', {
      schema: {
        summary: 'List the peers a record was shared with, and whether their deletion of it is confirmed',
        tags: ['records'],
        params: Type.Object({ id: RecordId }),
        response: {
          200: Type.Array(Type.Object({
            peer: Type.String(),
            versionHash: Type.String(),
            status: Type.String(),
            deletionConfirmed: Type.Boolean(),
            deletionReason: Type.Optional(Type.String())
          })),
          ...errorResponses
        }
      }
    }, async (request) => {
      await service.getRecord(request.params.id)
      return await service.revocations.report(request.params.id)
    })

    app.post('/records/:id/decision', {
      schema: {
        summary: 'Explain what the outbound policy would decide for a record and a recipient, without sending anything',
        tags: ['records'],
        params: Type.Object({ id: RecordId }),
        body: Type.Object({ to: Type.String({ pattern: '^[A-Z]{2}$' }) }, { additionalProperties: false }),
        response: { 200: Decision, ...errorResponses }
      }
    }, async (request) => {
      const stored = await service.getRecord(request.params.id)
      if (service.member(request.body.to) === undefined || request.body.to === service.jurisdiction) {
        throw new errors.PeerUnknownError(`\`${request.body.to}\` is not another member of the federation`)
      }
      return await service.decide(stored.signed.record, request.body.to, stored.hops) as unknown as DecisionBody
    })
  }
}
