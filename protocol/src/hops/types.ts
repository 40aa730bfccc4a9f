/** JWS `typ` of a hop batch statement (SPEC section 6.2). */
export const HOP_BATCH_TYP = 'nfp-hop-batch+jws'

/** Maximum number of leaves one hop batch statement may cover; a receiver rejects a larger `size`. */
export const MAX_HOP_BATCH_SIZE = 4096

/**
 * Payload of a hop batch statement: node `by` sent the records whose hop leaves are under
 * `root` to node `to` at `at`. `size` is the number of leaves.
 */
export interface HopBatchStatement {
  by: string
  to: string
  at: string
  root: string
  size: number
}

/** Content of one leaf of a hop batch: a record version and the units the sender removed. */
export interface HopLeaf {
  recordId: string
  versionHash: string
  /** JSON Pointers of the units the sender removed before sending; empty or absent when none. */
  removed?: string[]
}

/** A hop whose statement, inclusion proof and key were checked. */
export interface VerifiedHop {
  jurisdiction: string
  to: string
  at: string
  /** Units the hop's node declares it removed, sorted; empty when none. */
  removed: string[]
}
