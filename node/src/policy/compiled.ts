import type { RecordType } from '../../../protocol/src/index.ts'
import type { CompiledCondition } from './compile-condition.ts'
import type { DecisionReason, LinkRedaction, PolicyModule, PolicyRule, Section } from './types.ts'

/** A link redaction with its condition compiled. */
export interface CompiledLink {
  readonly spec: LinkRedaction
  readonly condition: CompiledCondition
  /**
   * The linked types as they appear in record ids (`urn:nfp:se:person:…` names a Person), so
   * that a link to a record of another type is kept without looking the record up.
   */
  readonly idTypes: ReadonlySet<string>
}

/** A rule with its conditions compiled and the parts of its decision reason that never change. */
export interface CompiledRule {
  readonly rule: PolicyRule
  readonly condition: CompiledCondition
  readonly links: readonly CompiledLink[]
  /** Reason as a decision reports it when the rule matches, before per-record details are added. */
  readonly reason: DecisionReason
}

/** The rules of one section that apply to one record type, in the module's rule order. */
export interface CompiledSection {
  readonly rules: readonly CompiledRule[]
  /** Some condition reads an integer of the record, so the record's integers must become CEL ints first. */
  readonly convertIntegers: boolean
}

/** Compiled rules of a module by section and record type. */
export type CompiledModule = ReadonlyMap<Section, ReadonlyMap<RecordType, CompiledSection>>

// Compiled conditions hold the CEL library's own objects. They live beside the module rather than
// inside it, because the module is deep-frozen and the library must stay free to cache on them.
const registry = new WeakMap<PolicyModule, CompiledModule>()

export function registerCompiledModule (module: PolicyModule, compiled: CompiledModule): void {
  registry.set(module, compiled)
}

/** Returns the compiled rules of a module that loadPolicyModule returned, or undefined for any other object. */
export function compiledModuleOf (module: PolicyModule): CompiledModule | undefined {
  return registry.get(module)
}
