import type { Expectation } from './records.ts'

/**
 * The kinds of signed statement of SPEC section 6.2 checked alone, and the `typ` each carries.
 * A hop batch statement (`nfp-hop-batch+jws`) is checked with a record's hop, not alone.
 */
export const STATEMENT_TYPS = {
  receipt: 'nfp-receipt+jws',
  revocation: 'nfp-revocation+jws',
  deletion: 'nfp-deletion+jws'
} as const

/** A statement vector file in `vectors/statements/`: a compact JWS checked as one kind. */
export interface StatementVector {
  id: string
  description: string
  section: string
  requirement: string
  /** The kind the verifier expects. */
  kind: keyof typeof STATEMENT_TYPS
  jws: string
  expect: Expectation
}
