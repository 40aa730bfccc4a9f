/**
 * Outbound policy: declarative modules per jurisdiction, checked at load time, and the
 * engine that decides whether a record may leave the node.
 */
export { loadPolicyModule } from './module.ts'
export { evaluateOutbound } from './evaluate.ts'
export { describeDecision } from './describe.ts'
export { REFUSAL_GROUNDS, VARIABLES } from './types.ts'
export type {
  Condition,
  DecisionReason,
  FieldCondition,
  Operand,
  OutboundContext,
  OutboundDecision,
  PolicyModule,
  PolicyRule,
  RefusalGround,
  RuleEffect,
  RuleError,
  RuleSource,
  Variable
} from './types.ts'
