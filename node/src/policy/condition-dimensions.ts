import type { ASTNode } from '@marcbachmann/cel-js'
import { childrenOf, selectionPath } from './cel-ast.ts'
import { sampleValue } from './sample-record.ts'
import type { SampleContext } from './sample-record.ts'
import type { FieldShape } from './schema-fields.ts'

/** Marks a candidate that removes the field from the record. */
export const ABSENT: unique symbol = Symbol('absent')

/** Something a condition reads, with values that make its comparisons come out both ways. */
export interface Dimension {
  /** `counterpart` is the recipient, the sender or the requester, whichever the section has. */
  readonly target: 'record' | 'linked' | 'self' | 'counterpart' | 'request'
  /** Field path for record, linked and request; empty for self and counterpart. */
  readonly path: readonly string[]
  readonly candidates: readonly unknown[]
}

export interface DimensionContext extends SampleContext {
  readonly recordShape: FieldShape
  readonly linkedShape?: FieldShape
  /** Jurisdictions to try wherever a condition reads a country code. */
  readonly jurisdictions: readonly string[]
}

const DAY_MS = 86_400_000

/**
 * Finds what a condition reads and picks values that flip its comparisons: the literals it
 * compares with and values next to them, every allowed value of an enum, both booleans,
 * dates just before, on and after today, every jurisdiction for a country code, and a
 * missing field where the field is optional or the condition tests it with `has()`.
 */
export function conditionDimensions (ast: ASTNode, context: DimensionContext): Dimension[] {
  const literals = collectLiterals(ast)
  const tested = new Set<string>()
  collectHasPaths(ast, tested)

  const dimensions = new Map<string, Dimension>()
  const add = (dimension: Dimension): void => {
    const key = `${dimension.target}:${dimension.path.join('.')}`
    if (!dimensions.has(key) && dimension.candidates.length > 0) dimensions.set(key, dimension)
  }
  visitSelections(ast, path => {
    const [root, ...rest] = path
    if (root === 'record' || root === 'linked') {
      const shape = root === 'record' ? context.recordShape : context.linkedShape
      const field = shape === undefined ? undefined : findField(shape, rest)
      if (field !== undefined) {
        const absent = !field.required || tested.has(path.join('.'))
        add({ target: root, path: rest.slice(0, field.depth), candidates: candidatesFor(field.shape, rest[field.depth - 1] ?? '', absent, literals, context) })
      }
    } else if (root === 'self') {
      add({ target: 'self', path: [], candidates: context.jurisdictions })
    } else if (root === 'recipient' || root === 'sender' || root === 'peer' || (root === 'request' && rest[0] === 'requester')) {
      add({ target: 'counterpart', path: [], candidates: context.jurisdictions })
    } else if (root === 'request' && (rest[0] === 'purpose' || rest[0] === 'offence')) {
      add({ target: 'request', path: [rest[0]], candidates: unique(['', `sample ${rest[0]}`, ...literals.filter(value => typeof value === 'string')]) })
    } else if (root === 'request' && rest[0] === 'urgent') {
      add({ target: 'request', path: ['urgent'], candidates: [true, false] })
    }
  })
  return [...dimensions.values()]
}

/** Calls `visit` with each maximal selection path, such as `['record', 'provenance', 'jurisdiction']`. */
function visitSelections (node: ASTNode, visit: (path: string[]) => void, parentSelects = false): void {
  const path = node.op === '.' || node.op === 'id' ? selectionPath(node) : undefined
  if (path !== undefined && !parentSelects) visit(path)
  for (const child of childrenOf(node)) visitSelections(child, visit, node.op === '.')
}

function collectLiterals (node: ASTNode, into: unknown[] = []): unknown[] {
  if (node.op === 'value') into.push(typeof node.args === 'bigint' ? Number(node.args) : node.args)
  for (const child of childrenOf(node)) collectLiterals(child, into)
  return into
}

function collectHasPaths (node: ASTNode, into: Set<string>): void {
  if (node.op === 'call' && node.args[0] === 'has') {
    const path = node.args[1][0] === undefined ? undefined : selectionPath(node.args[1][0])
    if (path !== undefined) into.add(path.join('.'))
  }
  for (const child of childrenOf(node)) collectHasPaths(child, into)
}

/** Follows a field path through object members; stops where the path would enter a list. */
function findField (root: FieldShape, path: readonly string[]): { shape: FieldShape, required: boolean, depth: number } | undefined {
  let shape = root
  let required = true
  let depth = 0
  for (const name of path) {
    const child = shape.properties?.get(name)
    if (child === undefined) break
    required = shape.requiredProperties?.has(name) === true
    shape = child
    depth++
    if (child.types.has('array')) break
  }
  return depth === 0 ? undefined : { shape, required, depth }
}

function candidatesFor (shape: FieldShape, name: string, absent: boolean, literals: readonly unknown[], context: DimensionContext): unknown[] {
  const values = valuesFor(shape, name, literals, context)
  return unique(absent ? [...values, ABSENT] : values)
}

function valuesFor (shape: FieldShape, name: string, literals: readonly unknown[], context: DimensionContext): unknown[] {
  if (shape.enum !== undefined) return [...shape.enum]
  if (shape.types.has('array')) return listValues(shape, name, literals, context)
  if (shape.types.has('object')) return [sampleValue(shape, name, context)]
  if (shape.types.has('boolean')) return [true, false]
  if (shape.types.has('integer') || shape.types.has('number')) {
    const numbers = literals.filter((value): value is number => typeof value === 'number')
    const around = numbers.flatMap(value => [value - 1, value, value + 1])
    const minimum = shape.minimum ?? Number.NEGATIVE_INFINITY
    return [sampleValue(shape, name, context), ...around].filter(value => typeof value === 'number' && value >= minimum)
  }
  if (shape.format === 'date') return dateValues(literals, context.now)
  if (shape.format === 'date-time') return [-3_600_000, 3_600_000].map(offset => new Date(context.now.getTime() + offset).toISOString())
  const strings = literals.filter((value): value is string => typeof value === 'string')
  if (shape.pattern === '^[A-Z]{2}$') return [...context.jurisdictions, ...strings.filter(value => /^[A-Z]{2}$/.test(value))]
  if (shape.pattern !== undefined) {
    const regex = new RegExp(shape.pattern, 'u')
    return [sampleValue(shape, name, context), ...strings.filter(value => regex.test(value))]
  }
  return [sampleValue(shape, name, context), ...strings, ...((shape.minLength ?? 0) === 0 ? [''] : [])]
}

/** Lists that are empty, hold one sample, hold each literal or jurisdiction, or each variant of an object element. */
function listValues (shape: FieldShape, name: string, literals: readonly unknown[], context: DimensionContext): unknown[] {
  const items = shape.items
  if (items === undefined) return [[]]
  const elements = valuesFor(items, name, literals, context).filter(value => value !== undefined)
  if (items.properties !== undefined) {
    // Vary each enum member of the element, so that loops over the list see each value.
    const base = sampleValue(items, name, context) as Record<string, unknown>
    for (const [member, child] of items.properties) {
      for (const value of child.enum ?? []) elements.push({ ...base, [member]: value })
    }
  }
  return [[], ...unique(elements).map(element => [element])]
}

function dateValues (literals: readonly unknown[], now: Date): string[] {
  const day = (time: number): string => new Date(time).toISOString().slice(0, 10)
  const today = Date.parse(`${day(now.getTime())}T00:00:00Z`)
  const values = [day(today - DAY_MS), day(today), day(today + DAY_MS), day(today + 365 * DAY_MS)]
  for (const literal of literals) {
    if (typeof literal !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(literal) || Number.isNaN(Date.parse(literal))) continue
    const time = Date.parse(`${literal}T00:00:00Z`)
    values.push(day(time - DAY_MS), literal, day(time + DAY_MS))
  }
  return values
}

function unique (values: readonly unknown[]): unknown[] {
  const seen = new Set<string>()
  return values.filter(value => {
    const key = value === ABSENT ? '<absent>' : JSON.stringify(value)
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
