import { CompactSign } from 'jose'
import { canonicalBytes } from '../canonical.ts'
import { SIGNATURE_ALG } from '../constants.ts'
import { RecordNotOwnedError } from '../errors.ts'
import type { SigningKey } from '../signature.ts'
import type { CommittedRecord } from './commit-record.ts'
import { buildMerkleTree } from './merkle-tree.ts'
import { BATCH_SIGNATURE_TYP, SIGNATURE_VERSION_2 } from './types.ts'
import type { BatchRootStatement, SignedRecordV2 } from './types.ts'

/**
 * Signs a batch of committed records of one jurisdiction with one Ed25519 signature. It builds
 * the Merkle tree over their commitments, signs the root statement as a compact JWS, and gives
 * each record its inclusion proof, so each can be verified and passed on alone.
 *
 * @throws RecordNotOwnedError when a record names another jurisdiction than `jurisdiction`;
 *   RangeError for an empty batch.
 */
export async function signRecordBatch (
  committed: CommittedRecord[],
  key: { privateKey: SigningKey, kid: string },
  jurisdiction: string,
  at: Date = new Date()
): Promise<SignedRecordV2[]> {
  for (const entry of committed) {
    if (entry.record.provenance.jurisdiction !== jurisdiction) {
      throw new RecordNotOwnedError(`record \`${entry.record.id}\` belongs to ${entry.record.provenance.jurisdiction}; a batch may contain only records of ${jurisdiction}, the signer`)
    }
  }
  // A commitment is already the leaf hash of its record.
  const tree = buildMerkleTree(committed.map(entry => entry.commitment))
  const statement: BatchRootStatement = { by: jurisdiction, root: tree.root.toString('base64url'), size: committed.length, at: at.toISOString() }
  const batch = await new CompactSign(canonicalBytes(statement))
    .setProtectedHeader({ alg: SIGNATURE_ALG, kid: key.kid, typ: BATCH_SIGNATURE_TYP })
    .sign(key.privateKey)

  return committed.map((entry, index) => ({
    record: entry.record,
    signature: {
      version: SIGNATURE_VERSION_2,
      batch,
      index,
      proof: tree.proofOf(index).map(hash => hash.toString('base64url')),
      seed: entry.seed
    }
  }))
}
