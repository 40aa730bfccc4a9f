/**
 * Policy modules: rules per jurisdiction with conditions in CEL, checked against the record
 * schemas at load time, and the engine that decides whether a record may leave the node, be
 * accepted from a sender, or be provided to a requester.
 */
export { loadPolicyModule } from './module.ts'
export type { LoadOptions } from './module.ts'
export { evaluateInbound, evaluateIndex, evaluateInitiative, evaluateOutbound, evaluateRequest } from './evaluate.ts'
export { applyDecision } from './apply-decision.ts'
export { linkedIdsToResolve } from './linked-ids.ts'
export { describeDecision } from './describe.ts'
export { formatCitation } from './citation.ts'
export { APPROVER_ROLES, HANDLING_CODE_ORDER, REFUSAL_GROUNDS, RULE_EFFECTS, SECTIONS } from './types.ts'
export type {
  ApprovalRequirement,
  ApprovalSpec,
  ApproverRole,
  AttachSpec,
  AttachedConditions,
  Decision,
  DecisionEffect,
  DecisionModule,
  DecisionReason,
  HandlingCode,
  InboundContext,
  IndexContext,
  InitiativeContext,
  InformationRequest,
  LinkRedaction,
  LinkedRecords,
  OutboundContext,
  OutboundDecision,
  Party,
  PolicyModule,
  PolicyRule,
  RefusalGround,
  RequestContext,
  RuleEffect,
  RuleError,
  RuleSource,
  Section,
  SourcePosition,
  WithheldLink
} from './types.ts'
