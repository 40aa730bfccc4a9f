import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NfpError, createHopVerifier, decodeShareRequest, expandRecord, importSigningKey, verifySignedRecord, verifyStatement } from '@ceasefire/protocol'
import type { StatementVector } from '../src/vectors/statements.ts'
import type { HopVector } from '../src/vectors/hops.ts'
import type { Membership } from '@ceasefire/protocol'
import { VECTORS_DIR, readVectorFiles } from '../src/vectors/records.ts'
import type { RecordVector } from '../src/vectors/records.ts'
import { frameBytes } from '../src/vectors/frames.ts'
import type { FrameVector } from '../src/vectors/frames.ts'
import { evaluatePolicyVector } from '../src/vectors/policy.ts'
import type { PolicyVector } from '../src/vectors/policy.ts'

const keys = JSON.parse(readFileSync(join(VECTORS_DIR, 'keys.json'), 'utf8')) as { membership: Membership }

t.test('every record vector gets its expected outcome from the protocol library (signature, schema, JSON-LD)', async (t) => {
  const vectors = readVectorFiles<RecordVector>('records')
  t.ok(vectors.length >= 10, 'the record vectors are present')
  const resolveKey = async (jurisdiction: string, kid: string) => {
    const entry = keys.membership.members.find(m => m.jurisdiction === jurisdiction)?.signingKeys.find(k => k.kid === kid)
    return entry === undefined ? undefined : await importSigningKey(entry.jwk)
  }
  for (const vector of vectors) {
    let outcome: string
    try {
      // Section 5 first, then the JSON-LD check of section 3.2, in the order a receiver runs them.
      await expandRecord(await verifySignedRecord(vector.signed, resolveKey))
      outcome = 'accepted'
    } catch (err) {
      outcome = err instanceof NfpError ? err.code : `unexpected ${(err as Error).message}`
    }
    t.equal(outcome, vector.expect.outcome === 'accepted' ? 'accepted' : vector.expect.code, `${vector.id}: ${vector.description}`)
  }
})

t.test('every statement vector gets its expected outcome from the protocol library', async (t) => {
  const vectors = readVectorFiles<StatementVector>('statements')
  t.ok(vectors.length >= 5, 'the statement vectors are present')
  const resolveKey = async (jurisdiction: string, kid: string) => {
    const entry = keys.membership.members.find(m => m.jurisdiction === jurisdiction)?.signingKeys.find(k => k.kid === kid)
    return entry === undefined ? undefined : await importSigningKey(entry.jwk)
  }
  for (const vector of vectors) {
    const outcome = await verifyStatement(vector.kind, vector.jws, resolveKey).then(() => 'accepted', (err: NfpError) => err.code)
    t.equal(outcome, vector.expect.outcome === 'accepted' ? 'accepted' : vector.expect.code, `${vector.id}: ${vector.description}`)
  }
})

t.test('every hop vector gets its expected outcome from the protocol library', async (t) => {
  const vectors = readVectorFiles<HopVector>('hops')
  t.ok(vectors.length >= 10, 'the hop vectors are present')
  const resolveKey = async (jurisdiction: string, kid: string) => {
    const entry = keys.membership.members.find(m => m.jurisdiction === jurisdiction)?.signingKeys.find(k => k.kid === kid)
    return entry === undefined ? undefined : await importSigningKey(entry.jwk)
  }
  // One verifier for all vectors, valid ones first, so the invalid ones also meet a cached statement.
  const verifyHop = createHopVerifier(resolveKey)
  const ordered = [...vectors.filter(v => v.expect.outcome === 'accepted'), ...vectors.filter(v => v.expect.outcome !== 'accepted')]
  for (const vector of ordered) {
    const outcome = await verifyHop(vector.hop, vector.record).then(() => 'accepted', (err: NfpError) => err.code)
    t.equal(outcome, vector.expect.outcome === 'accepted' ? 'accepted' : vector.expect.code, `${vector.id}: ${vector.description}`)
  }
})

t.test('frame vectors fail to decode with their code when the code is a framing error, and decode otherwise', async (t) => {
  const values = { $SENDER: 'XC', $RECEIVER: 'XR', $OTHER: 'XO', $MESSAGE_ID: '4d6f3c1e-8a0b-4f61-9a43-3f1f2f7c9d10', $NOW: '2026-12-04T10:00:00.000Z', $SEQ: 1, $REQUEST_CONTENT: {}, $REQUEST_CONTENT_WITHOUT_PURPOSE: {} }
  for (const vector of readVectorFiles<FrameVector>('frames').filter(v => v.protocol === '/nfp/share/1.0.0')) {
    let outcome = 'decoded'
    try {
      decodeShareRequest(frameBytes(vector, values))
    } catch (err) {
      outcome = (err as NfpError).code
    }
    const framing = vector.expect.code.startsWith('ERR_FRAME_')
    t.equal(outcome, framing ? vector.expect.code : 'decoded', `${vector.id}: ${vector.description}`)
  }
})

t.test('every policy vector gets its expected decision from the policy engine', async (t) => {
  const modules: Record<string, unknown> = {}
  for (const name of ['eu', 'se', 'xt']) modules[name] = JSON.parse(readFileSync(join(VECTORS_DIR, 'policy', 'modules', `${name}.json`), 'utf8'))
  const vectors = readVectorFiles<PolicyVector>('policy/cases')
  t.ok(vectors.length >= 10, 'the policy vectors are present')
  for (const vector of vectors) {
    t.same(evaluatePolicyVector(vector, modules), vector.expect, `${vector.id}: ${vector.description}`)
  }
})
