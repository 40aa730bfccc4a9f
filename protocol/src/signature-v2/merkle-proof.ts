import { innerHash } from './merkle-tree.ts'

/**
 * Computes the root that an inclusion proof leads to from a leaf hash, by the verification
 * algorithm of RFC 9162 section 2.1.3.2. Returns undefined when the proof has the wrong length
 * for `index` in a tree of `size` leaves. The caller compares the result with the signed root.
 */
export function rootFromProof (leaf: Buffer, index: number, size: number, proof: Buffer[]): Buffer | undefined {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return undefined
  let fn = index
  let sn = size - 1
  let hash = leaf
  for (const sibling of proof) {
    if (sn === 0) return undefined
    if (fn % 2 === 1 || fn === sn) {
      hash = innerHash(sibling, hash)
      // Skip the levels where this node had no right sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2)
        sn = Math.floor(sn / 2)
      }
    } else {
      hash = innerHash(hash, sibling)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 ? hash : undefined
}
