import { CompactSign } from 'jose'
import { canonicalBytes } from '../canonical.ts'
import { SIGNATURE_ALG } from '../constants.ts'
import type { Hop } from '../messages.ts'
import type { SigningKey } from '../signature.ts'
import { buildMerkleTree } from '../signature-v2/merkle-tree.ts'
import { hopLeafHash, sortedRemoved } from './hop-leaf.ts'
import { HOP_BATCH_TYP, MAX_HOP_BATCH_SIZE } from './types.ts'
import type { HopBatchStatement, HopLeaf } from './types.ts'

/**
 * Signs the hops of many records that node `by` sends to `to` with one Ed25519 signature. It
 * builds the Merkle tree of RFC 9162 over one leaf per record (id, version hash and the units
 * removed) and signs the root in a hop batch statement. It returns the hop entry of each record,
 * in the order of `leaves`, with the statement, the leaf index and the inclusion proof. Each
 * entry can then be checked alone, so a relay passes it on unchanged.
 *
 * @throws RangeError for an empty batch or one of more than MAX_HOP_BATCH_SIZE leaves.
 */
export async function signHopBatch (
  leaves: HopLeaf[],
  key: { privateKey: SigningKey, kid: string },
  hop: { by: string, to: string, at: string }
): Promise<Hop[]> {
  if (leaves.length === 0 || leaves.length > MAX_HOP_BATCH_SIZE) {
    throw new RangeError(`a hop batch must contain 1 to ${MAX_HOP_BATCH_SIZE} records, got ${leaves.length}; split larger sends into several batches`)
  }
  const tree = buildMerkleTree(leaves.map(hopLeafHash))
  const statement: HopBatchStatement = { by: hop.by, to: hop.to, at: hop.at, root: tree.root.toString('base64url'), size: leaves.length }
  const batch = await new CompactSign(canonicalBytes(statement))
    .setProtectedHeader({ alg: SIGNATURE_ALG, kid: key.kid, typ: HOP_BATCH_TYP })
    .sign(key.privateKey)

  return leaves.map((leaf, index) => {
    const removed = sortedRemoved(leaf)
    return {
      jurisdiction: hop.by,
      to: hop.to,
      at: hop.at,
      batch,
      index,
      proof: tree.proofOf(index).map(hash => hash.toString('base64url')),
      ...(removed.length > 0 ? { removed } : {})
    }
  })
}
