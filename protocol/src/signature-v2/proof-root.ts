import { hash } from 'node:crypto'

// Input of the inner hashes, reused: verification is synchronous between hashes, and a hash
// written to a string costs a fraction of one written to a new Buffer (Node 24).
const innerInput = Buffer.alloc(65)
innerInput[0] = 0x01

/**
 * Nodes of one batch tree, hex, that lay on an inclusion proof already checked against the
 * signed root, keyed by level and position, each with the rest of the proof above it.
 */
export type KnownNodes = Map<number, { node: string, proof: readonly string[], from: number }>

/** Nodes a proof passed through, to be added to KnownNodes once the root's signature verified. */
export interface ProofPath {
  keys: number[]
  nodes: string[]
}

/**
 * Checks that an inclusion proof leads from a record's leaf hash (its commitment, 64 hex
 * digits) at leaf `index` to `root` (64 hex digits) in a tree of `size` leaves. The algorithm is
 * that of RFC 9162 section 2.1.3.2, with the inner hash of SPEC section 5.2. Returns false for a
 * proof of the wrong length for `index` and `size`, or a sibling that is not 43 characters
 * decoding to 32 bytes.
 *
 * When the proof reaches a node in `known` and the rest of the proof equals the rest of the
 * proof checked there, the remaining hashes would repeat that check exactly, so they are
 * skipped: records of one batch share their upper nodes. The nodes computed are put in `path`.
 */
export function proofLeadsTo (leaf: string, index: number, size: number, proof: readonly string[], root: string, known?: KnownNodes, path?: ProofPath): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false
  let node = leaf
  let fn = index
  let sn = size - 1
  let level = 0
  for (let i = 0; i < proof.length; i++) {
    const sibling = proof[i] as string
    if (sn === 0) return false
    let written: boolean
    if (fn % 2 === 1 || fn === sn) {
      written = innerInput.write(sibling, 1, 32, 'base64url') === 32 && innerInput.write(node, 33, 32, 'hex') === 32
      // Skip the levels where this node had no right sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2)
        sn = Math.floor(sn / 2)
        level++
      }
    } else {
      written = innerInput.write(node, 1, 32, 'hex') === 32 && innerInput.write(sibling, 33, 32, 'base64url') === 32
    }
    if (!written || sibling.length !== 43) return false
    node = hash('sha256', innerInput, 'hex')
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
    level++
    // Levels stay below 64 and positions below 2^20 (the batch size bound), so the key is exact.
    const key = level * 2 ** 21 + fn
    const seen = known?.get(key)
    if (seen !== undefined && seen.node === node && restEquals(proof, i + 1, seen.proof, seen.from)) return true
    path?.keys.push(key)
    path?.nodes.push(node)
  }
  return sn === 0 && node === root
}

/**
 * Adds the nodes of a proof that led to a root whose signature verified, from level 2 up,
 * because each of those covers four leaves (fewer only at the right edge of the tree). At most `limit` nodes are kept, so a
 * large batch cannot use much memory.
 */
export function rememberProof (known: KnownNodes, path: ProofPath, proof: readonly string[], limit: number): void {
  for (let i = 0; i < path.keys.length && known.size < limit; i++) {
    const key = path.keys[i] as number
    if (key >= 2 * 2 ** 21 && !known.has(key)) known.set(key, { node: path.nodes[i] as string, proof, from: i + 1 })
  }
}

function restEquals (a: readonly string[], from: number, b: readonly string[], bFrom: number): boolean {
  if (a.length - from !== b.length - bFrom) return false
  for (let i = 0; from + i < a.length; i++) if (a[from + i] !== b[bFrom + i]) return false
  return true
}
