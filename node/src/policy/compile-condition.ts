import type { ASTNode } from '@marcbachmann/cel-js'
import type { RecordType } from '../../../protocol/src/index.ts'
import { COMPREHENSIONS, walk } from './cel-ast.ts'
import type { CelEnvironments } from './cel-environment.ts'
import { fail } from './problem.ts'
import type { ProblemSite } from './problem.ts'
import type { Section } from './types.ts'

/** A condition that passed its checks, ready to evaluate. */
export interface CompiledCondition {
  readonly source: string
  readonly ast: ASTNode
  /** Evaluates the condition; throws when evaluation fails. Only `true` means the condition holds. */
  readonly evaluate: (variables: Record<string, unknown>) => unknown
  /** The condition is the literal `true`, so it is true without being evaluated. */
  readonly alwaysTrue: boolean
}

/** Types and variables a condition is checked against. */
export interface ConditionScope {
  readonly section: Section
  /** Record types `record` can have: the rule's appliesTo, or every type. */
  readonly types: readonly RecordType[]
  /** Record types `linked` can have, for the condition of a withheld link. */
  readonly linkedTypes?: readonly RecordType[]
  readonly environments: CelEnvironments
}

// JavaScript regular expressions backtrack, so a crafted pattern or record can take exponential time.
const FORBIDDEN_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['matches', 'matches() is not allowed, because a regular expression can take exponential time on some input; use startsWith, endsWith or contains']
])

/**
 * Parses and type-checks a condition written in CEL, for every record type in scope.
 *
 * @throws PolicyInvalidError naming file, line and column inside the condition. Causes: text
 *   that is not valid CEL, an unknown field or variable, mixed types, a result that is not a
 *   boolean, a forbidden function, or a loop macro inside another.
 */
export function compileCondition (value: unknown, scope: ConditionScope, site: ProblemSite): CompiledCondition {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(site, `must be a condition in CEL, such as "record.handlingCode == 'H3'", or "true" to match every record; got ${JSON.stringify(value)}`)
  }

  let parsed: ReturnType<CelEnvironments['runtime']['parse']>
  try {
    parsed = scope.environments.runtime.parse(value)
  } catch (error) {
    fail({ ...site, index: startOf(error) }, `invalid CEL: ${summaryOf(error)}`)
  }
  checkShape(parsed.ast, site)

  for (const type of scope.types) {
    for (const linkedType of scope.linkedTypes ?? [undefined]) {
      const result = scope.environments.forCheck(scope.section, type, linkedType).check(value)
      const where = linkedType === undefined ? `the ${type} schema` : `the ${type} schema with a linked ${linkedType}`
      if (!result.valid) {
        fail({ ...site, index: startOf(result.error) }, `${summaryOf(result.error)} (checked against ${where} in the ${scope.section} section); check the spelling, the types and the rule's appliesTo`)
      }
      if (result.type !== 'bool') fail(site, `a condition must give true or false, but this one gives a value of type ${result.type ?? 'unknown'} for ${where}`)
    }
  }

  const evaluate = parsed as unknown as (variables: Record<string, unknown>) => unknown
  return { source: value, ast: parsed.ast, evaluate, alwaysTrue: value.trim() === 'true' }
}

/** Rejects forbidden functions and loops inside loops, whose cost multiplies with list sizes. */
function checkShape (ast: ASTNode, site: ProblemSite): void {
  walk(ast, node => {
    if (node.op !== 'call' && node.op !== 'rcall') return
    const name = node.args[0]
    const problem = FORBIDDEN_FUNCTIONS.get(name)
    if (problem !== undefined) fail({ ...site, index: node.range.start }, problem)
    if (node.op !== 'rcall' || !COMPREHENSIONS.has(name)) return
    for (const argument of node.args[2]) {
      walk(argument, inner => {
        if (inner.op === 'rcall' && COMPREHENSIONS.has(inner.args[0])) {
          fail({ ...site, index: inner.range.start }, `${inner.args[0]}() inside ${name}() is not allowed, because nested loops multiply with list sizes; split the condition`)
        }
      })
    }
  })
}

function startOf (error: unknown): number {
  const located = error as { range?: { start?: number }, node?: { range?: { start?: number } } } | undefined
  return located?.range?.start ?? located?.node?.range?.start ?? 0
}

function summaryOf (error: unknown): string {
  const described = error as { summary?: string, message?: string } | undefined
  return described?.summary ?? described?.message?.split('\n')[0] ?? String(error)
}
