import { canonicalBytes } from '../canonical.ts'
import { leafHash } from '../signature-v2/merkle-tree.ts'
import type { HopLeaf } from './types.ts'

/**
 * Hashes the leaf of one record in a hop batch tree: SHA-256(0x00 || canonical bytes of
 * `{recordId, versionHash, removed}`), with `removed` sorted, without repeats and present even
 * when empty, so sender and receiver always hash the same bytes.
 */
export function hopLeafHash (leaf: HopLeaf): Buffer {
  return leafHash(canonicalBytes({ recordId: leaf.recordId, versionHash: leaf.versionHash, removed: sortedRemoved(leaf) }))
}

/** Returns the removed paths of a leaf sorted by UTF-16 code unit, without repeats. */
export function sortedRemoved (leaf: HopLeaf): string[] {
  return [...new Set(leaf.removed ?? [])].sort()
}
