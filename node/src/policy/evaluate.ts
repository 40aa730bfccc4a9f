import { decide } from './decide.ts'
import type { DecisionInput } from './decide.ts'
import type { Decision, InboundContext, IndexContext, InitiativeContext, OutboundContext, PolicyModule, RequestContext, Section } from './types.ts'

/**
 * Decides whether `record` may be sent to `context.recipient` under the outbound section of
 * `module`, the sending node's own module with the modules it extends. Never throws; see
 * `decide` for the order in which rules win.
 */
export function evaluateOutbound (module: PolicyModule, record: unknown, context: OutboundContext): Decision {
  return decideGuarded(module, 'outbound', () => ({
    section: 'outbound',
    record,
    self: context?.self,
    counterpart: context?.recipient,
    now: context?.now,
    ...(context?.linked === undefined ? {} : { linked: context.linked })
  }))
}

/** Decides whether this node accepts `record` from `context.sender` under the inbound section. Never throws. */
export function evaluateInbound (module: PolicyModule, record: unknown, context: InboundContext): Decision {
  return decideGuarded(module, 'inbound', () => ({ section: 'inbound', record, self: context?.self, counterpart: context?.sender, now: context?.now }))
}

/**
 * Decides whether `record` may be provided to the requester of `context.request` under the
 * request section. Never throws.
 */
export function evaluateRequest (module: PolicyModule, record: unknown, context: RequestContext): Decision {
  return decideGuarded(module, 'request', () => ({
    section: 'request',
    record,
    self: context?.self,
    counterpart: context?.request?.requester,
    request: context?.request,
    now: context?.now,
    ...(context?.linked === undefined ? {} : { linked: context.linked })
  }))
}

/**
 * Decides whether a newly stored `record` is relevant to `context.peer` under the initiative
 * section, so that the node proposes to provide it on its own initiative. A permit is only a
 * proposal; sending still needs an outbound decision. Never throws.
 */
export function evaluateInitiative (module: PolicyModule, record: unknown, context: InitiativeContext): Decision {
  return decideGuarded(module, 'initiative', () => ({ section: 'initiative', record, self: context?.self, counterpart: context?.peer, now: context?.now }))
}

/**
 * Decides whether the identifiers of `record` enter this node's hit index under the index
 * section. Never throws.
 */
export function evaluateIndex (module: PolicyModule, record: unknown, context: IndexContext): Decision {
  return decideGuarded(module, 'index', () => ({ section: 'index', record, self: context?.self, counterpart: context?.self, now: context?.now }))
}

/** Reads the context inside a guard, because even reading it can throw (a getter, a proxy). */
function decideGuarded (module: PolicyModule, section: Section, read: () => DecisionInput): Decision {
  let input: DecisionInput
  try {
    input = read()
  } catch (error) {
    const unreadable = { jurisdiction: '' }
    input = { section, record: undefined, self: unreadable, counterpart: unreadable, now: new Date(Number.NaN), readError: error instanceof Error ? error.message : String(error) }
  }
  return decide(module, input)
}
