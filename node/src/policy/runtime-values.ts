import type { ASTNode } from '@marcbachmann/cel-js'
import type { RecordType } from '../../../protocol/src/index.ts'
import { childrenOf, selectionPath } from './cel-ast.ts'
import type { FieldCatalogue, FieldShape } from './schema-fields.ts'

/** Positions of the integers in a record type: members by name, and for lists the plan of their elements. */
interface IntegerPlan {
  readonly members: ReadonlyMap<string, IntegerPlan | 'integer'>
  readonly items?: IntegerPlan | 'integer'
}

/** Converts JSON records into the values CEL evaluates, one plan per record type. */
export type RuntimeConverter = (record: Record<string, unknown>, type: RecordType) => Record<string, unknown>

/**
 * Builds the converter that turns the JSON integers of a record into CEL `int` values.
 *
 * The load-time check types JSON integers as CEL `int`, and the CEL library represents an
 * `int` as a BigInt, but JSON.parse gives plain numbers, which the library treats as
 * `double`. Without this step `record.grading.informationAccuracy + 1` would fail at run
 * time although it passed the check. Only objects on the way to an integer are copied.
 */
export function createRuntimeConverter (catalogue: FieldCatalogue): RuntimeConverter {
  const plans = new Map<RecordType, IntegerPlan | 'integer'>()
  for (const [type, root] of catalogue.roots) {
    const plan = planOf(root)
    if (plan !== undefined) plans.set(type, plan)
  }
  return (record, type) => {
    const plan = plans.get(type)
    return plan === undefined ? record : convert(record, plan) as Record<string, unknown>
  }
}

function planOf (shape: FieldShape): IntegerPlan | 'integer' | undefined {
  if (shape.types.size === 1 && shape.types.has('integer')) return 'integer'
  const items = shape.items === undefined ? undefined : planOf(shape.items)
  const members = new Map<string, IntegerPlan | 'integer'>()
  for (const [name, child] of shape.properties ?? []) {
    const plan = planOf(child)
    if (plan !== undefined) members.set(name, plan)
  }
  if (members.size === 0 && items === undefined) return undefined
  return items === undefined ? { members } : { members, items }
}

function convert (value: unknown, plan: IntegerPlan | 'integer'): unknown {
  if (plan === 'integer') return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value
  if (Array.isArray(value)) return plan.items === undefined ? value : value.map(item => convert(item, plan.items as IntegerPlan | 'integer'))
  if (value === null || typeof value !== 'object') return value

  let copy: Record<string, unknown> | undefined
  for (const [name, child] of plan.members) {
    const current = (value as Record<string, unknown>)[name]
    if (current === undefined) continue
    const converted = convert(current, child)
    if (converted === current) continue
    copy ??= { ...value as Record<string, unknown> }
    copy[name] = converted
  }
  return copy ?? value
}

/**
 * Tells whether a condition can read an integer of `variable` (`record` or `linked`) whose
 * record type has the shape `root`: through a selection that reaches an integer or an object
 * or list holding one, or through the bare variable. Conditions that cannot are evaluated on
 * the record as it is, which saves copying it.
 */
export function conditionReadsIntegers (ast: ASTNode, variable: string, root: FieldShape): boolean {
  let reads = false
  const visit = (node: ASTNode, parentSelects: boolean): void => {
    if (reads) return
    const path = node.op === '.' ? selectionPath(node) : undefined
    if (path !== undefined && path[0] === variable && !parentSelects) {
      if (holdsInteger(root, path.slice(1))) reads = true
    } else if (node.op === 'id' && node.args === variable && !parentSelects) {
      reads = planOf(root) !== undefined
    }
    for (const child of childrenOf(node)) visit(child, node.op === '.')
  }
  visit(ast, false)
  return reads
}

/** Follows `path` through the shape and returns whether the value there is or contains an integer. */
function holdsInteger (shape: FieldShape, path: readonly string[]): boolean {
  let current: FieldShape | undefined = shape
  for (const name of path) {
    current = current?.properties?.get(name)
    if (current === undefined) return false
  }
  return current !== undefined && planOf(current) !== undefined
}
