import { createPublicKey, randomUUID, verify as verifySignature } from 'node:crypto'
import { canonicalBytes, canonicalize, createHopVerifier, createRecordVerifier, importSigningKey, signHopBatch, verifyStatement } from '@ceasefire/protocol'
import type { VerifiedHop, VerifiedRecord } from '@ceasefire/protocol'
import type { SuiteContext } from '../suite.ts'
import { check, show } from '../suite.ts'
import type { Exchange } from '../peer.ts'
import { buildSigned } from '../vectors/records.ts'
import type { Mutation } from '../vectors/records.ts'
import { detachedCompactJws } from '../vectors/jws.ts'
import type { VectorKey } from '../vectors/jws.ts'

export const SHARE = '/nfp/share/2.0.0'
export const REQUEST = '/nfp/request/2.0.0'
export const AUDIT_HEAD = '/nfp/audit-head/1.0.0'
export const MEMBERSHIP = '/nfp/membership/1.0.0'
export const HIT = '/nfp/hit/1.0.0'
/** JWS `typ` of a signed request message (SPEC section 9.5). */
export const REQUEST_MESSAGE_TYP = 'nfp-request-message+jws'
/** Previous major versions, to which a node replies with an error frame carrying ERR_PROTOCOL_VERSION_UNSUPPORTED (SPEC section 11). */
export const SHARE_V1 = '/nfp/share/1.0.0'
export const REQUEST_V1 = '/nfp/request/1.0.0'

/** Returns the test member's record-signing key in the form the vector builder takes. */
export function memberKey (ctx: SuiteContext): VectorKey {
  return { kid: ctx.member.signing.kid, privateJwk: ctx.member.signing.privateJwk }
}

/** Builds a Firearm draft of the test member with an id unique to this run. */
export function memberFirearm (ctx: SuiteContext, local: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const at = new Date().toISOString()
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:${ctx.member.jurisdiction.toLowerCase()}:firearm:${local}-${ctx.runId}`,
    type: 'Firearm',
    provenance: { jurisdiction: ctx.member.jurisdiction, agency: 'Conformance test member', created: at, modified: at },
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7 (conformance test)',
    reviewBy: '2099-01-01',
    make: 'Glock',
    model: '17 Gen 4',
    calibre: '9x19mm Parabellum',
    firearmKind: 'pistol',
    serialNumber: `CONF-${ctx.runId}`,
    ...extra
  }
}

/** Builds a record draft of the node under test for its operator API to ingest, which fills in the provenance. */
export function targetFirearm (ctx: SuiteContext, local: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:${ctx.target.jurisdiction.toLowerCase()}:firearm:${local}-${ctx.runId}`,
    type: 'Firearm',
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7 (conformance test)',
    reviewBy: '2099-01-01',
    make: 'Walther',
    model: 'P99',
    calibre: '9x19mm Parabellum',
    firearmKind: 'pistol',
    serialNumber: `CONF-T-${ctx.runId}`,
    ...extra
  }
}

/** A signed record of either signature version, valid or tampered, as the suite sends it. */
export interface SignedForTest {
  record: Record<string, any>
  signature: unknown
}

/** Signs a draft as the test member, applying a vector's mutation when one is given. */
export function signAsMember (ctx: SuiteContext, draft: Record<string, unknown>, mutation: Mutation = 'none'): ReturnType<typeof buildSigned> {
  return buildSigned(draft, mutation, memberKey(ctx), ctx.otherKey)
}

/** Builds a record item with the test member's signed hop to the node under test. */
export async function recordItem (ctx: SuiteContext, signed: SignedForTest, hop: { to?: string, versionHash?: string } = {}): Promise<Record<string, unknown>> {
  const at = new Date().toISOString()
  const to = hop.to ?? ctx.target.jurisdiction
  const key = { privateKey: ctx.member.signing.privateKey, kid: ctx.member.signing.kid }
  const [signedHop] = await signHopBatch([{ recordId: String(signed.record.id), versionHash: hop.versionHash ?? String(signed.record.versionHash) }], key, { by: ctx.member.jurisdiction, to, at })
  return { kind: 'record', signed, hops: [signedHop] }
}

/** Builds a share request from the test member to the node under test. */
export function shareRequest (ctx: SuiteContext, items: unknown[]): Record<string, any> {
  return { type: 'share', messageId: randomUUID(), sender: ctx.member.jurisdiction, receiver: ctx.target.jurisdiction, sentAt: new Date().toISOString(), seqFrom: ctx.nextSeq(items.length), items }
}

/** Sends one frame and remembers the error codes in the reply. */
export async function send (ctx: SuiteContext, protocol: string, frame: unknown, options: { raw?: Uint8Array } = {}): Promise<Exchange> {
  const exchange = await ctx.peer.exchange(protocol, frame, options)
  if ('reply' in exchange) collectCodes(ctx, exchange.reply)
  return exchange
}

function collectCodes (ctx: SuiteContext, value: unknown): void {
  if (Array.isArray(value)) for (const v of value) collectCodes(ctx, v)
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'code' && typeof v === 'string') ctx.seenCodes.add(v)
      else collectCodes(ctx, v)
    }
  }
}

/**
 * Signs a message of the request protocol as the test member: a detached compact JWS with typ
 * nfp-request-message+jws over the canonical form of the message without `signature`.
 */
export function signRequestMessage (ctx: SuiteContext, message: Record<string, unknown>, key: VectorKey = memberKey(ctx)): Record<string, unknown> {
  const { signature: _signature, ...unsigned } = message
  return { ...unsigned, signature: detachedCompactJws(unsigned, { alg: 'EdDSA', kid: key.kid, typ: REQUEST_MESSAGE_TYP }, key) }
}

/** Sends a share request and returns its share-result, failing the test on any other reply. */
export async function shareOk (ctx: SuiteContext, items: unknown[]): Promise<{ request: Record<string, any>, result: Record<string, any> }> {
  const request = shareRequest(ctx, items)
  const exchange = await send(ctx, SHARE, request)
  check('reply' in exchange, `no reply to a share request: ${'noReply' in exchange ? exchange.noReply : ''}`)
  check(exchange.reply.type === 'share-result', `expected a share-result, got ${show(exchange.reply)}`)
  return { request, result: exchange.reply }
}

/** Sends one record and returns its item result. */
export async function shareRecord (ctx: SuiteContext, signed: SignedForTest): Promise<Record<string, any>> {
  const { result } = await shareOk(ctx, [await recordItem(ctx, signed)])
  const item = (result.results as Array<Record<string, any>>)[0]
  check(item !== undefined, `share-result has no result for the item: ${show(result)}`)
  return item
}

/** Resolves public keys of federation members from the membership the node under test holds. */
export function resolver (ctx: SuiteContext): (jurisdiction: string, kid: string) => Promise<Awaited<ReturnType<typeof importSigningKey>> | undefined> {
  return async (jurisdiction, kid) => {
    const jwk = ctx.target.memberKeys.get(jurisdiction)?.get(kid)
    return jwk === undefined ? undefined : await importSigningKey(jwk)
  }
}

/** Verifies a signed record of either signature version under the keys of the federation. */
export async function verifyRecord (ctx: SuiteContext, signed: unknown): Promise<VerifiedRecord> {
  return await createRecordVerifier(resolver(ctx))(signed)
}

/**
 * Checks the signature of a request message the node under test sent (SPEC section 9.5) and
 * returns a reason when it does not hold, or undefined when it verifies.
 */
export function requestMessageSignatureProblem (ctx: SuiteContext, message: Record<string, unknown>): string | undefined {
  const { signature, ...unsigned } = message
  const parts = typeof signature === 'string' ? signature.split('.') : []
  if (parts.length !== 3 || parts[1] !== '') return `\`signature\` is not a detached compact JWS: ${show(signature)}`
  const [encodedHeader, , encodedSignature] = parts as [string, string, string]
  let header: Record<string, unknown>
  try {
    header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return 'the signature header is not base64url-encoded JSON'
  }
  if (header.alg !== 'EdDSA' || header.typ !== REQUEST_MESSAGE_TYP) return `the signature header is ${show(header)}, expected alg EdDSA and typ ${REQUEST_MESSAGE_TYP}`
  const jwk = ctx.target.memberKeys.get(String(message.sender))?.get(String(header.kid))
  if (jwk === undefined) return `the membership lists no key ${show(header.kid)} for ${show(message.sender)}`
  const input = Buffer.from(`${encodedHeader}.${Buffer.from(canonicalBytes(unsigned)).toString('base64url')}`)
  const valid = verifySignature(null, input, createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(encodedSignature, 'base64url'))
  return valid ? undefined : 'the signature does not verify over the message without `signature`'
}

/** Verifies a statement signed by the node under test. */
export async function verifyTargetStatement<T> (ctx: SuiteContext, kind: 'receipt' | 'deletion' | 'revocation', jws: string): Promise<T & { by: string }> {
  return await verifyStatement<T & { by: string }>(kind, jws, resolver(ctx))
}

/** Verifies a hop signed by the node under test: its batch statement, its inclusion proof for this record version and its key. */
export async function verifyTargetHop (ctx: SuiteContext, hop: unknown, record: { id: string, versionHash: string }): Promise<VerifiedHop> {
  return await createHopVerifier(resolver(ctx))(hop, record)
}

/** Expects the stored record to be absent from the node under test. */
export async function expectNotStored (ctx: SuiteContext, recordId: string): Promise<void> {
  const got = await ctx.api.record(recordId)
  check(got.status === 404, `GET /records/${recordId} answered ${got.status}; the record must not be stored`)
}

/** Expects the record to be stored with this version hash. */
export async function expectStored (ctx: SuiteContext, recordId: string, versionHash: string): Promise<void> {
  const got = await ctx.api.record(recordId)
  check(got.status === 200, `GET /records/${recordId} answered ${got.status}; the record must be stored`)
  check(got.body?.signed?.record?.versionHash === versionHash, `stored version is ${show(got.body?.signed?.record?.versionHash)}, expected ${versionHash}`)
}

export { canonicalize }
