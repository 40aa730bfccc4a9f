import { computeVersionHash, errors, signStatement, validateRecord } from '@ceasefire/protocol'
import type { KeyResolver, NfpRecord, RecordVerifier, VerifiedRecord } from '@ceasefire/protocol'
import { defaultComponents } from '../../../node/src/components.ts'
import type { NodeComponents } from '../../../node/src/components.ts'
import type { Decision } from '../../../node/src/policy/index.ts'

/**
 * Deliberately broken variants of the reference node. Each replaces one component and names
 * the tests the suite must fail against it, and no others. They exist only here, in test code.
 */
export interface Variant {
  name: string
  description: string
  components: Partial<NodeComponents>
  expectedFailures: string[]
}

/** Checks everything a receiver checks in SPEC section 5 for a version 1 signature except the signature bytes. */
async function verifyV1WithoutSignature (signed: unknown, resolveKey: KeyResolver): Promise<NfpRecord> {
  const { record, signature } = signed as { record: NfpRecord, signature: { protected: string, signature: string } }
  if (signature?.protected === '' || signature?.signature === '') throw new errors.SignatureMissingError('record is not signed')
  const header = JSON.parse(Buffer.from(signature.protected, 'base64url').toString()) as { alg?: string, typ?: string, kid?: string }
  if (header.alg !== 'EdDSA' || header.typ !== 'nfp-record+jws') throw new errors.SignatureInvalidError('wrong header')
  const key = await resolveKey(record.provenance.jurisdiction, String(header.kid), record.provenance.modified)
  if (key === undefined) throw new errors.SignatureUnknownKeyError('unknown key')
  // Broken on purpose: the signature is never verified.
  const valid = validateRecord(record)
  if (valid.versionHash !== computeVersionHash(valid)) throw new errors.RecordVersionMismatchError('version hash')
  return valid
}

/** True for an envelope whose signature names a version, that is, not version 1. */
function carriesSignatureVersion (signed: unknown): boolean {
  return (signed as { signature?: { version?: unknown } }).signature?.version !== undefined
}

/** Failures of a version 2 signature that tell of a record changed after signing or a proof or root that does not fit it. */
const V2_TAMPER_ERRORS = [errors.SignatureDisclosureInvalidError, errors.RecordVersionMismatchError, errors.SignatureProofInvalidError, errors.SignatureInvalidError]

/**
 * Accepts a version 2 record whose disclosures, commitment, inclusion proof or batch signature
 * do not hold, as a node that skips those checks would. The real verifier still checks the
 * removed fixed fields, and this function the record schema.
 */
async function acceptTamperedV2 (signed: unknown, verify: RecordVerifier): Promise<VerifiedRecord> {
  try {
    return await verify(signed)
  } catch (err) {
    if (!V2_TAMPER_ERRORS.some(kind => err instanceof kind)) throw err
    const { record, signature } = signed as { record: NfpRecord, signature: { removed?: Record<string, string> } }
    const removedPaths = Object.keys(signature.removed ?? {}).sort()
    return { record: validateRecord(record), signatureVersion: 2, removedPaths }
  }
}

/** Turns a deny into a permit, as a node that ignores its policy would. */
function ignoreDeny (decision: Decision): Decision {
  return decision.effect === 'deny' ? { ...decision, effect: 'permit' } : decision
}

export const VARIANTS: Variant[] = [
  {
    name: 'accepts-tampered-records',
    description: 'record verification skips the signature check of version 1 and the disclosure, commitment, proof and root checks of version 2',
    components: {
      createRecordVerifier: (resolveKey, options) => {
        const verify = defaultComponents.createRecordVerifier(resolveKey, options)
        return async (signed) => carriesSignatureVersion(signed)
          ? await acceptTamperedV2(signed, verify)
          : { record: await verifyV1WithoutSignature(signed, resolveKey), signatureVersion: 1, removedPaths: [] }
      }
    },
    expectedFailures: [
      'SIG-5-4/record-other-key-same-kid', 'SIG-5-4/record-tampered-field',
      ...['added-field', 'added-field-with-salt', 'added-field-without-salt', 'altered-value', 'foreign-proof', 'forged-root', 'moved-value',
        'reordered-links', 'reordered-proof', 'replaced-digest', 'root-for-another-jurisdiction', 'seed-with-removed', 'short-salt', 'short-seed',
        'swapped-disclosure', 'wrong-index'].map(name => `SIG-5.2-3/invalid-${name}`)
    ]
  },
  {
    name: 'ignores-inbound-deny',
    description: 'inbound policy never denies',
    components: { evaluateInbound: (...args) => ignoreDeny(defaultComponents.evaluateInbound(...args)) },
    expectedFailures: ['POL-7-2']
  },
  {
    name: 'ignores-outbound-deny',
    description: 'outbound policy never denies, so a denied record leaves',
    components: { evaluateOutbound: (...args) => ignoreDeny(defaultComponents.evaluateOutbound(...args)) },
    expectedFailures: ['POL-7-1']
  },
  {
    name: 'wrong-deadline',
    description: 'request clock gives every request the 7-day limit, also urgent ones',
    components: { openClock: (receivedAt, urgent, access) => ({ ...defaultComponents.openClock(receivedAt, urgent, access), limitHours: 168 }) },
    expectedFailures: ['REQ-9.3-2', 'REQ-9.3-3']
  },
  {
    name: 'wrong-code-for-unknown-key',
    description: 'record verification reports an unknown key as ERR_SIG_INVALID',
    components: {
      createRecordVerifier: (resolveKey, options) => {
        const verify = defaultComponents.createRecordVerifier(resolveKey, options)
        return async (signed) => await verify(signed).catch((err: unknown) => {
          throw err instanceof errors.SignatureUnknownKeyError ? new errors.SignatureInvalidError('record signature verification failed') : err
        })
      }
    },
    expectedFailures: ['SIG-5-3/record-unknown-kid']
  },
  {
    name: 'answers-forbidden-hit-types',
    description: 'hit responder permits every identifier type to every member, whatever its policy says',
    components: { decideHitQuery: (...args) => ({ ...defaultComponents.decideHitQuery(...args), effect: 'permit' }) },
    expectedFailures: ['HIT-10.6-1']
  },
  {
    name: 'receipt-over-other-results',
    description: 'receipts are signed over an empty result list instead of the results sent',
    components: { signReceipt: async (payload, key) => await signStatement('receipt', { ...payload, results: [] }, key) },
    expectedFailures: ['SHARE-6.5-1']
  }
]
