import { hash } from 'node:crypto'

// Leaf and inner nodes hash under different prefixes (RFC 9162 section 2.1.1), so an inner
// node can never be presented as a leaf and a proof cannot be shortened or lengthened.
const LEAF_PREFIX = 0x00
const INNER_PREFIX = 0x01

/** Hashes a leaf of the batch tree: SHA-256(0x00 || data). */
export function leafHash (data: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + data.byteLength)
  input[0] = LEAF_PREFIX
  input.set(data, 1)
  return hash('sha256', input, 'buffer')
}

/** Hashes an inner node of the batch tree: SHA-256(0x01 || left || right). */
export function innerHash (left: Uint8Array, right: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + left.byteLength + right.byteLength)
  input[0] = INNER_PREFIX
  input.set(left, 1)
  input.set(right, 1 + left.byteLength)
  return hash('sha256', input, 'buffer')
}

/** A Merkle tree over leaf hashes, with the inclusion proof of every leaf. */
export interface MerkleTree {
  root: Buffer
  /** Sibling hashes from leaf `index` up to the root. */
  proofOf: (index: number) => Buffer[]
}

/**
 * Builds the Merkle tree of RFC 9162 section 2.1.1 over leaf hashes: a tree of n > 1 leaves
 * splits after the largest power of two below n. Subtree hashes are kept, so all n proofs cost
 * about 2n hashes in total.
 *
 * @throws RangeError for an empty list.
 */
export function buildMerkleTree (leaves: Buffer[]): MerkleTree {
  if (leaves.length === 0) throw new RangeError('a Merkle tree needs at least one leaf')
  const memo = new Map<string, Buffer>()

  const subtree = (lo: number, hi: number): Buffer => {
    if (hi - lo === 1) return leaves[lo] as Buffer
    const key = `${lo}:${hi}`
    let hash = memo.get(key)
    if (hash === undefined) {
      const mid = lo + splitPoint(hi - lo)
      hash = innerHash(subtree(lo, mid), subtree(mid, hi))
      memo.set(key, hash)
    }
    return hash
  }

  const proofOf = (index: number): Buffer[] => {
    if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`leaf index ${index} is outside the tree of ${leaves.length} leaves`)
    const path: Buffer[] = []
    let lo = 0
    let hi = leaves.length
    // Walk down from the root, then reverse, so the proof runs from the leaf upwards.
    while (hi - lo > 1) {
      const mid = lo + splitPoint(hi - lo)
      if (index < mid) {
        path.push(subtree(mid, hi))
        hi = mid
      } else {
        path.push(subtree(lo, mid))
        lo = mid
      }
    }
    return path.reverse()
  }

  return { root: subtree(0, leaves.length), proofOf }
}

/** Largest power of two strictly below n (n > 1). */
function splitPoint (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
