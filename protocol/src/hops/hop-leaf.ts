import { canonicalBytes } from '../canonical.ts'
import { leafHash } from '../signature-v2/merkle-tree.ts'
import type { HopLeaf } from './types.ts'

/**
 * Hashes the leaf of one record in a hop batch tree: SHA-256(0x00 || canonical bytes of
 * `{recordId, versionHash, removed}`), with `removed` sorted and present even when empty, so
 * sender and receiver always hash the same bytes.
 */
export function hopLeafHash (leaf: HopLeaf): Buffer {
  const removed = [...(leaf.removed ?? [])].sort()
  return leafHash(canonicalBytes({ recordId: leaf.recordId, versionHash: leaf.versionHash, removed }))
}
