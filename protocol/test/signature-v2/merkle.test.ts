import { createHash } from 'node:crypto'
import t from 'tap'
import { rootFromProof } from '../../src/signature-v2/merkle-proof.ts'
import { buildMerkleTree, innerHash, leafHash } from '../../src/signature-v2/merkle-tree.ts'

const leaves = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => leafHash(createHash('sha256').update(`leaf ${i}`).digest()))

t.test('every proof of trees of 1 to 40 leaves leads to the root', async t => {
  for (let n = 1; n <= 40; n++) {
    const list = leaves(n)
    const tree = buildMerkleTree(list)
    for (let i = 0; i < n; i++) {
      const root = rootFromProof(list[i] as Buffer, i, n, tree.proofOf(i))
      t.ok(root?.equals(tree.root), `leaf ${i} of ${n}`)
    }
  }
})

t.test('tree matches RFC 9162 shape for three leaves', async t => {
  const [a, b, c] = leaves(3) as [Buffer, Buffer, Buffer]
  t.ok(buildMerkleTree([a, b, c]).root.equals(innerHash(innerHash(a, b), c)))
  t.ok(buildMerkleTree([a]).root.equals(a), 'a single leaf is its own root')
})

t.test('proof fails for another index, size or order', async t => {
  const list = leaves(7)
  const tree = buildMerkleTree(list)
  const proof = tree.proofOf(2)
  t.notOk(rootFromProof(list[2] as Buffer, 3, 7, proof)?.equals(tree.root), 'wrong index')
  // Leaf 6 has no right sibling in a tree of 7, so a claimed size of 8 changes its path.
  t.notOk(rootFromProof(list[6] as Buffer, 6, 8, tree.proofOf(6))?.equals(tree.root), 'wrong size')
  t.notOk(rootFromProof(list[2] as Buffer, 2, 7, [...proof].reverse())?.equals(tree.root), 'reordered path')
  t.equal(rootFromProof(list[2] as Buffer, 2, 7, proof.slice(1)), undefined, 'shortened path')
  t.equal(rootFromProof(list[2] as Buffer, 2, 7, [...proof, proof[0] as Buffer]), undefined, 'lengthened path')
  t.equal(rootFromProof(list[2] as Buffer, 7, 7, proof), undefined, 'index outside the tree')
})

t.test('inner node cannot pass as a leaf', async t => {
  const list = leaves(4)
  const tree = buildMerkleTree(list)
  const inner = innerHash(list[0] as Buffer, list[1] as Buffer)
  // The inner node sits where leaf 0 would in a two-leaf tree; with the prefixes it is not a leaf hash of anything.
  t.ok(rootFromProof(inner, 0, 2, [innerHash(list[2] as Buffer, list[3] as Buffer)])?.equals(tree.root), 'as an inner node it is valid')
  t.notOk(leafHash(inner).equals(inner))
})

t.test('empty tree and bad index throw', async t => {
  t.throws(() => buildMerkleTree([]), RangeError)
  t.throws(() => buildMerkleTree(leaves(2)).proofOf(2), RangeError)
})
