import { createRecordVerifier, signStatement } from '@ceasefire/protocol'
import { evaluateInbound, evaluateOutbound } from './policy/index.ts'
import { openClock } from './requests/deadline.ts'

/**
 * The parts of a node that decide whether something is accepted, allowed to leave or due by
 * when. `startNode` takes replacements for them, so the conformance suite can check itself
 * against a node with one part broken on purpose. Production code always uses the defaults.
 */
export interface NodeComponents {
  /** Makes the verifier of received signed records, run before anything is stored (SPEC section 5). */
  createRecordVerifier: typeof createRecordVerifier
  /** Decides whether a received record may be stored (SPEC section 7). */
  evaluateInbound: typeof evaluateInbound
  /** Decides whether a record may leave for a recipient (SPEC section 7). */
  evaluateOutbound: typeof evaluateOutbound
  /** Signs the receipt a receiver returns for a share request (SPEC section 6.5). */
  signReceipt: (payload: Record<string, unknown> & { by: string }, key: Parameters<typeof signStatement>[2]) => Promise<string>
  /** Opens the deadline clock of a received request for information (SPEC section 9.3). */
  openClock: typeof openClock
}

export const defaultComponents: NodeComponents = {
  createRecordVerifier,
  evaluateInbound,
  evaluateOutbound,
  signReceipt: async (payload, key) => await signStatement('receipt', payload, key),
  openClock
}

/** Fills in the default for every component not replaced. */
export function resolveComponents (replaced: Partial<NodeComponents> = {}): NodeComponents {
  return { ...defaultComponents, ...replaced }
}
