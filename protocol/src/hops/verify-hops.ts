import { base64url, compactVerify } from 'jose'
import { SIGNATURE_ALG } from '../constants.ts'
import { RecordPathInvalidError } from '../errors.ts'
import type { SigningKey } from '../signature.ts'
import type { StatementKeyResolver } from '../statements.ts'
import { rootFromProof } from '../signature-v2/merkle-proof.ts'
import { hopLeafHash } from './hop-leaf.ts'
import { HOP_BATCH_TYP, MAX_HOP_BATCH_SIZE } from './types.ts'
import type { HopBatchStatement, VerifiedHop } from './types.ts'

export interface HopVerifierOptions {
  /** Number of verified hop batch statements kept, oldest dropped first. Default 4096. */
  cacheSize?: number
}

/**
 * Verifies one hop entry of a record's path for the record version it travels with.
 *
 * @throws RecordPathInvalidError naming what failed.
 */
export type HopVerifier = (hop: unknown, record: { id: string, versionHash: string }) => Promise<VerifiedHop>

// Bounds that keep a hostile hop from costing more than an honest one.
const MAX_STATEMENT_LENGTH = 2048
// A tree of MAX_HOP_BATCH_SIZE leaves has proofs of at most 12 hashes.
const MAX_PROOF_LENGTH = 12
const MAX_REMOVED = 1024
const MAX_POINTER_LENGTH = 256
const DIGEST_PATTERN = /^[A-Za-z0-9_-]{43}$/

interface ParsedStatement {
  kid: string
  statement: HopBatchStatement
}

/**
 * Creates a verifier of hop entries (SPEC section 6.6). For each hop it checks, in this order:
 * - the entry's members have their types and bounds, and `removed` is sorted without repeats;
 * - the hop batch statement has the header `{alg: EdDSA, kid, typ: nfp-hop-batch+jws}` and a
 *   payload naming `by`, `to`, `at`, `root` and `size`;
 * - the statement's `by`, `to` and `at` are the hop's `jurisdiction`, `to` and `at`;
 * - the inclusion proof leads from the leaf of this record id, version hash and removed list
 *   at `index` to the signed root;
 * - a key `kid` of `by` is in the membership, and the statement's signature verifies under it.
 * A statement whose signature verified is cached with its key, so the other records of its
 * batch cost one hash path each. Checks of one statement that run at the same time share one
 * signature check. The key is still looked up for every hop, so a key removed from the
 * membership is rejected at once.
 */
export function createHopVerifier (resolveKey: StatementKeyResolver, options: HopVerifierOptions = {}): HopVerifier {
  const cacheSize = options.cacheSize ?? 4096
  // Statements whose signature verified, keyed by the compact JWS, with the key that verified them.
  const verified = new Map<string, ParsedStatement & { key: SigningKey }>()
  // Checks under way, so the records of one batch checked at once share one signature check.
  const pending = new Map<string, { key: SigningKey, promise: Promise<void> }>()

  const verifySignature = async (jws: string, parsed: ParsedStatement, key: SigningKey): Promise<void> => {
    if (verified.get(jws)?.key === key) return
    let check = pending.get(jws)
    // A check under another key (the membership changed meanwhile) is not shared.
    if (check === undefined || check.key !== key) {
      const promise: Promise<void> = compactVerify(jws, key, { algorithms: [SIGNATURE_ALG] }).then(() => {
        verified.delete(jws)
        verified.set(jws, { ...parsed, key })
        if (verified.size > cacheSize) verified.delete(verified.keys().next().value as string)
      }, (err: unknown) => {
        throw new RecordPathInvalidError(`hop of ${parsed.statement.by} has a batch statement whose signature does not verify under key \`${parsed.kid}\``, { cause: err })
      }).finally(() => {
        if (pending.get(jws)?.promise === promise) pending.delete(jws)
      })
      check = { key, promise }
      pending.set(jws, check)
    }
    await check.promise
  }

  // The statement parsed last: the hops of one frame mostly share one statement, and they are
  // all parsed before the first signature check ends and fills `verified`.
  let last: { jws: string, parsed: ParsedStatement } | undefined
  const parse = (jws: string): ParsedStatement => {
    if (last?.jws !== jws) last = { jws, parsed: readStatement(jws) }
    return last.parsed
  }

  return async (value: unknown, record: { id: string, versionHash: string }): Promise<VerifiedHop> => {
    const hop = readHop(value)
    const parsed = verified.get(hop.batch) ?? parse(hop.batch)
    const { statement, kid } = parsed
    if (statement.by !== hop.jurisdiction || statement.to !== hop.to || statement.at !== hop.at) {
      throw new RecordPathInvalidError(`hop ${hop.jurisdiction} to ${hop.to} at ${hop.at} does not match its signed batch statement, which names ${statement.by} to ${statement.to} at ${statement.at}`)
    }
    const leaf = hopLeafHash({ recordId: record.id, versionHash: record.versionHash, removed: hop.removed })
    const root = rootFromProof(leaf, hop.index, statement.size, hop.proof.map(p => Buffer.from(p, 'base64url')))
    if (root === undefined || root.toString('base64url') !== statement.root) {
      throw new RecordPathInvalidError(`hop of ${hop.jurisdiction}: the inclusion proof of \`${record.id}\` at version \`${record.versionHash}\` (leaf ${hop.index} of ${statement.size}) does not lead to the signed hop root; the hop was signed for another record, version, removed list or position`)
    }
    const key = await resolveKey(statement.by, kid)
    if (key === undefined) {
      throw new RecordPathInvalidError(`hop of ${statement.by} is signed with key \`${kid}\`, which the membership does not list for ${statement.by}`)
    }
    await verifySignature(hop.batch, parsed, key)
    return { jurisdiction: hop.jurisdiction, to: hop.to, at: hop.at, removed: hop.removed }
  }
}

interface WireHop {
  jurisdiction: string
  to: string
  at: string
  batch: string
  index: number
  proof: string[]
  removed: string[]
}

function readHop (value: unknown): WireHop {
  const invalid = (problem: string): never => { throw new RecordPathInvalidError(`hop entry is malformed: ${problem}`) }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) invalid('it must be an object')
  const { jurisdiction, to, at, batch, index, proof, removed } = value as Record<string, unknown>
  if (typeof jurisdiction !== 'string' || typeof to !== 'string' || typeof at !== 'string') invalid('`jurisdiction`, `to` and `at` must be strings')
  if (typeof batch !== 'string' || batch.length > MAX_STATEMENT_LENGTH || batch.split('.').length !== 3) {
    invalid(`\`batch\` must be a compact JWS of at most ${MAX_STATEMENT_LENGTH} characters`)
  }
  if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= MAX_HOP_BATCH_SIZE) invalid(`\`index\` must be an integer from 0 to ${MAX_HOP_BATCH_SIZE - 1}`)
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH || !proof.every(p => typeof p === 'string' && DIGEST_PATTERN.test(p))) {
    invalid(`\`proof\` must be a list of at most ${MAX_PROOF_LENGTH} base64url SHA-256 hashes`)
  }
  const paths: unknown = removed ?? []
  if (!Array.isArray(paths) || paths.length > MAX_REMOVED ||
      !paths.every((p: unknown, i) => typeof p === 'string' && p.startsWith('/') && p.length <= MAX_POINTER_LENGTH && (i === 0 || (paths[i - 1] as string) < p))) {
    invalid(`\`removed\` must be a sorted list of at most ${MAX_REMOVED} distinct JSON Pointers`)
  }
  if (removed !== undefined && (paths as string[]).length === 0) invalid('`removed` must be left out when no unit was removed')
  // A lone surrogate has no canonical form, so the leaf hash could not be computed from the path.
  const malformed = (paths as string[]).find(path => !path.isWellFormed())
  if (malformed !== undefined) invalid(`\`removed\` path ${JSON.stringify(malformed)} contains a lone surrogate`)
  return { jurisdiction, to, at, batch, index, proof, removed: paths } as WireHop
}

function readStatement (jws: string): ParsedStatement {
  const invalid = (problem: string, cause?: unknown): never => { throw new RecordPathInvalidError(`hop batch statement ${problem}`, cause === undefined ? {} : { cause }) }
  const [encodedHeader, encodedPayload] = jws.split('.') as [string, string, string]
  let header: Record<string, unknown> = {}
  let payload: Record<string, unknown> = {}
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(encodedHeader))) as Record<string, unknown>
    payload = JSON.parse(new TextDecoder().decode(base64url.decode(encodedPayload))) as Record<string, unknown>
  } catch (err) {
    invalid('is not base64url-encoded JSON', err)
  }
  if (header === null || typeof header !== 'object' || header.typ !== HOP_BATCH_TYP) invalid(`has type \`${String(header?.typ)}\`, expected \`${HOP_BATCH_TYP}\``)
  if (header.alg !== SIGNATURE_ALG || typeof header.kid !== 'string' || header.kid === '') invalid(`header must name alg \`${SIGNATURE_ALG}\` and a kid`)
  // SPEC section 6.6 allows no other member: `crit` or `b64` would change what the signature covers.
  const extra = Object.keys(header).filter(name => name !== 'alg' && name !== 'kid' && name !== 'typ')
  if (extra.length > 0) invalid(`header must contain only \`alg\`, \`kid\` and \`typ\`, got also ${extra.map(name => `\`${name}\``).join(', ')}`)
  const { by, to, at, root, size } = payload ?? {}
  if (typeof by !== 'string' || typeof to !== 'string' || typeof at !== 'string' || typeof root !== 'string' || !DIGEST_PATTERN.test(root) ||
      !Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_HOP_BATCH_SIZE) {
    invalid(`must name \`by\`, \`to\`, \`at\`, a base64url SHA-256 \`root\` and a \`size\` from 1 to ${MAX_HOP_BATCH_SIZE}`)
  }
  return { kid: header.kid as string, statement: { by, to, at, root, size } as HopBatchStatement }
}
