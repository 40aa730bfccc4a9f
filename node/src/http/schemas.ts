import { Type } from 'typebox'
import type { Static } from 'typebox'

export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'Stable error code, the same as on the libp2p protocol (see docs/errors.md).' }),
  error: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
  decision: Type.Optional(Type.Any())
})

// Records received under an earlier draft of the share protocol keep their hops as received: a
// `proof` string (one per-record hop statement) and no `batch` or `index`. They stay readable here.
export const Hop = Type.Object({
  jurisdiction: Type.String(),
  to: Type.String(),
  at: Type.String(),
  batch: Type.Optional(Type.String({ description: 'Compact JWS of the hop batch statement this node signed for all records it sent to `to` together.' })),
  index: Type.Optional(Type.Integer({ description: 'Position of this record\'s hop leaf in that batch.' })),
  proof: Type.Union([
    Type.Array(Type.String(), { description: 'Inclusion proof of the hop leaf under the signed root, base64url.' }),
    Type.String({ description: 'Per-record hop statement of an earlier protocol draft.' })
  ]),
  removed: Type.Optional(Type.Array(Type.String(), { description: 'Units this node removed before sending, as JSON Pointers.' }))
})

const RecordSignatureV1 = Type.Object({ protected: Type.String(), signature: Type.String() }, { description: 'Version 1: a detached JWS over the whole record.' })

const RecordSignatureV2 = Type.Object({
  version: Type.Literal(2),
  batch: Type.String({ description: 'Compact JWS of the originator over the batch root.' }),
  index: Type.Integer(),
  proof: Type.Array(Type.String()),
  seed: Type.Optional(Type.String({ description: 'Whole record: 16 bytes, base64url, from which the salt of every unit derives. Absent once a holder removed a unit.' })),
  salts: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Redacted copy: salt of every unit still disclosed, by JSON Pointer.' })),
  removed: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Redacted copy: salted digest of every removed unit, by JSON Pointer.' }))
}, { description: 'Version 2: salted digests per field, committed in the version hash, under a signed Merkle root over a batch.' })

export const SignedRecord = Type.Object({
  record: Type.Any({ description: 'The JSON-LD record; see the record schemas in protocol/schemas.' }),
  signature: Type.Union([RecordSignatureV2, RecordSignatureV1])
})

export const StoredRecord = Type.Object({
  signed: SignedRecord,
  origin: Type.Union([Type.Literal('local'), Type.Literal('received')]),
  receivedFrom: Type.Optional(Type.String()),
  hops: Type.Array(Hop),
  removed: Type.Optional(Type.Array(Type.Object({
    path: Type.String({ description: 'JSON Pointer of the removed unit.' }),
    by: Type.Optional(Type.String({ description: 'Jurisdiction whose signed hop declares the removal; absent when none does.' }))
  }), { description: 'Parts of the record removed after the originator signed it; absent when nothing was removed.' })),
  storedAt: Type.String()
})

const RuleEffect = Type.Union(['permit', 'deny', 'redact', 'require-approval', 'attach'].map(e => Type.Literal(e)))

export const DecisionReason = Type.Object({
  ruleId: Type.String(),
  title: Type.String(),
  effect: RuleEffect,
  citation: Type.String(),
  checked: Type.Boolean(),
  refusalGround: Type.Optional(Type.String()),
  fields: Type.Optional(Type.Array(Type.String())),
  withheldLinks: Type.Optional(Type.Array(Type.String())),
  approval: Type.Optional(Type.Object({ reason: Type.String(), approvers: Type.Array(Type.String()) })),
  attach: Type.Optional(Type.Object({}, { additionalProperties: true })),
  error: Type.Optional(Type.String())
})

export const Decision = Type.Object({
  section: Type.String(),
  effect: Type.Union([Type.Literal('permit'), Type.Literal('deny'), Type.Literal('require-approval')]),
  explanation: Type.String({ description: 'What was decided and why, in words a legal officer can read.' }),
  removedFields: Type.Array(Type.String()),
  withheldLinks: Type.Array(Type.Object({ field: Type.String(), id: Type.String(), ruleId: Type.String(), reason: Type.String() })),
  attached: Type.Object({
    reviewBy: Type.Optional(Type.String()),
    noOnwardSharingWithoutConsent: Type.Optional(Type.Boolean()),
    handlingCode: Type.Optional(Type.String()),
    rules: Type.Array(Type.String())
  }),
  approvals: Type.Array(Type.Object({ ruleId: Type.String(), reason: Type.String(), approvers: Type.Array(Type.String()) })),
  reasons: Type.Array(DecisionReason),
  errors: Type.Array(Type.Object({ ruleId: Type.String(), message: Type.String() })),
  module: Type.Object({
    jurisdiction: Type.String(),
    version: Type.String(),
    hash: Type.String(),
    extends: Type.Array(Type.Object({ jurisdiction: Type.String(), version: Type.String() }))
  })
})

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  500: ErrorBody,
  502: ErrorBody,
  503: ErrorBody,
  504: ErrorBody
}

export type DecisionBody = Static<typeof Decision>
