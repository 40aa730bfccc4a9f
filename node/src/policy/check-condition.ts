import type { RecordType } from '../../../protocol/src/index.ts'
import { PolicyInvalidError } from '../../../protocol/src/errors.ts'
import { jsonTypeOf } from './schema-fields.ts'
import type { FieldCatalogue, FieldInfo, FieldShape } from './schema-fields.ts'
import { VARIABLES } from './types.ts'
import type { Condition, Operand, Variable } from './types.ts'

/** Context of a check: the file, the rule, and the record types whose schemas apply. */
export interface CheckScope {
  readonly file: string
  /** Rule id, or `#<position>` when the rule has no valid id. Absent for module-level keys. */
  readonly rule?: string
  readonly types: readonly RecordType[]
  readonly catalogue: FieldCatalogue
}

/** Throws PolicyInvalidError naming the file, the rule, the location in the file and the problem. */
export function fail (scope: Pick<CheckScope, 'file' | 'rule'>, at: string, problem: string): never {
  const rule = scope.rule === undefined ? '' : ` rule ${scope.rule}:`
  throw new PolicyInvalidError(`${scope.file}:${rule} ${at}: ${problem}`, { field: at })
}

export function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

const OPERATORS = ['equals', 'notEquals', 'in', 'contains', 'exists', 'before'] as const
type Operator = typeof OPERATORS[number]

const COMBINATORS = ['all', 'any', 'not'] as const

// People read the rules, so nesting deeper than this is a mistake. The limit also keeps evaluation shallow.
const MAX_CONDITION_DEPTH = 16

const FIELD_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/
const DATE = /^\d{4}-\d{2}-\d{2}$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const COUNTRY_CODE = /^[A-Z]{2}$/

/** Kind of value of each variable, so that a variable can be checked against a field like a literal. */
const VARIABLE_KINDS: Record<Variable, { format?: 'date' | 'date-time', description: string, sample: RegExp }> = {
  '$self.jurisdiction': { description: 'a country code', sample: COUNTRY_CODE },
  '$recipient.jurisdiction': { description: 'a country code', sample: COUNTRY_CODE },
  '$now.date': { format: 'date', description: 'a date', sample: DATE },
  '$now.dateTime': { format: 'date-time', description: 'a date-time', sample: DATE_TIME }
}

/**
 * Checks one condition and returns a copy that contains only known keys.
 *
 * A field test must name a field that at least one record type in scope defines, and its
 * operand must be able to match that field's values in at least one of those types.
 */
export function checkCondition (value: unknown, at: string, scope: CheckScope, depth = 0): Condition {
  if (value === true) return true
  if (!isObject(value)) fail(scope, at, `a condition must be true or an object with "field", "all", "any" or "not", got ${JSON.stringify(value)}`)
  if (depth >= MAX_CONDITION_DEPTH) fail(scope, at, `conditions nest deeper than ${MAX_CONDITION_DEPTH} levels; split the rule`)

  if ('field' in value) return checkFieldCondition(value, at, scope)

  const keys = Object.keys(value)
  const operatorKey = keys.find(key => (OPERATORS as readonly string[]).includes(key))
  if (operatorKey !== undefined) fail(scope, at, `operator "${operatorKey}" needs a "field" key naming the field it tests`)
  if (keys.length !== 1) {
    fail(scope, at, keys.length === 0
      ? 'empty condition; write true to match every record'
      : `a condition has exactly one of the keys "all", "any", "not" or "field", got ${keys.map(key => `"${key}"`).join(', ')}`)
  }

  const key = keys[0] as string
  if (key === 'not') return { not: checkCondition(value.not, `${at}.not`, scope, depth + 1) }
  if (key !== 'all' && key !== 'any') {
    fail(scope, at, `unknown condition key "${key}"; use ${COMBINATORS.map(name => `"${name}"`).join(', ')} or "field"`)
  }

  const list = value[key]
  if (!Array.isArray(list) || list.length === 0) fail(scope, `${at}.${key}`, `"${key}" must be a non-empty list of conditions`)
  const checked = list.map((item, index) => checkCondition(item, `${at}.${key}[${index}]`, scope, depth + 1))
  return key === 'all' ? { all: checked } : { any: checked }
}

function checkFieldCondition (value: Record<string, unknown>, at: string, scope: CheckScope): Condition {
  const operators: Operator[] = []
  for (const key of Object.keys(value)) {
    if (key === 'field') continue
    if (!(OPERATORS as readonly string[]).includes(key)) {
      fail(scope, `${at}.${key}`, `unknown operator "${key}"; use one of ${OPERATORS.join(', ')}`)
    }
    operators.push(key as Operator)
  }
  if (operators.length === 0) fail(scope, at, `missing operator; add one of ${OPERATORS.join(', ')}`)
  if (operators.length > 1) fail(scope, at, `more than one operator (${operators.join(', ')}); write one condition per operator inside "all"`)

  const operator = operators[0] as Operator
  const path = value.field
  if (typeof path !== 'string') fail(scope, `${at}.field`, `"field" must be a dotted field path, got ${JSON.stringify(path)}`)
  const fields = lookUpField(path, `${at}.field`, scope)
  const operand = value[operator]
  const operandAt = `${at}.${operator}`

  switch (operator) {
    case 'equals':
    case 'notEquals':
      requireFitsSomeType(fields, scope, operandAt, field => scalarProblem(operand, field, operator))
      return { field: path, [operator]: operand as Operand } as Condition
    case 'in': {
      if (!Array.isArray(operand) || operand.length === 0) fail(scope, operandAt, '"in" must be a non-empty list of values')
      operand.forEach((item, index) => {
        requireFitsSomeType(fields, scope, `${operandAt}[${index}]`, field => scalarProblem(item, field, operator))
      })
      return { field: path, in: [...operand] as Operand[] }
    }
    case 'contains':
      requireFitsSomeType(fields, scope, operandAt, field => containsProblem(operand, field))
      return { field: path, contains: operand as Operand }
    case 'exists':
      if (typeof operand !== 'boolean') fail(scope, operandAt, `"exists" must be true or false, got ${JSON.stringify(operand)}`)
      return { field: path, exists: operand }
    case 'before':
      requireFitsSomeType(fields, scope, operandAt, field => beforeProblem(operand, field))
      return { field: path, before: operand as string }
  }
}

/**
 * Returns the field as each record type in scope defines it.
 *
 * @throws PolicyInvalidError when the path is malformed or no type in scope defines it.
 */
export function lookUpField (path: string, at: string, scope: CheckScope): FieldInfo[] {
  if (!FIELD_PATH.test(path)) fail(scope, at, `"${path}" is not a dotted field path such as "provenance.jurisdiction"`)

  const found = scope.types.flatMap(type => {
    const field = scope.catalogue.get(type)?.get(path)
    return field === undefined ? [] : [field]
  })
  if (found.length > 0) return found

  const arrayPrefix = arrayFieldOnPath(path, scope)
  if (arrayPrefix !== undefined) {
    fail(scope, at, `field "${path}" goes through the list field "${arrayPrefix}"; a condition can test a list only as a whole, with contains or exists`)
  }
  const where = scope.types.length === 1 ? `the ${scope.types[0]} schema` : `the schemas of ${scope.types.join(', ')}`
  fail(scope, at, `field "${path}" is not defined by ${where}; check its spelling and the rule's appliesTo`)
}

function arrayFieldOnPath (path: string, scope: CheckScope): string | undefined {
  const parts = path.split('.')
  for (let length = 1; length < parts.length; length++) {
    const prefix = parts.slice(0, length).join('.')
    const isArray = scope.types.some(type => scope.catalogue.get(type)?.get(prefix)?.types.has('array') === true)
    if (isArray) return prefix
  }
  return undefined
}

/** Fails unless `problemFor` finds no problem for at least one type's version of the field. */
function requireFitsSomeType (fields: FieldInfo[], scope: CheckScope, at: string, problemFor: (field: FieldInfo) => string | undefined): void {
  const problems = fields.map(problemFor)
  if (problems.some(problem => problem === undefined)) return
  fail(scope, at, problems[0] as string)
}

function scalarProblem (operand: unknown, field: FieldInfo, operator: Operator): string | undefined {
  if (field.types.has('array') || field.types.has('object')) {
    const kind = field.types.has('array') ? 'a list' : 'an object'
    return `"${operator}" needs a single-valued field, but "${field.path}" is ${kind}; use contains or exists`
  }
  return operandProblem(operand, field, field.path)
}

function containsProblem (operand: unknown, field: FieldInfo): string | undefined {
  if (!field.types.has('array') || field.items === undefined) {
    return `"contains" needs a list field, but "${field.path}" is not a list; use equals or in`
  }
  if (field.items.types.has('object') || field.items.types.has('array')) {
    return `"contains" compares single values, but the elements of "${field.path}" are objects or lists`
  }
  return operandProblem(operand, field.items, `elements of "${field.path}"`)
}

function beforeProblem (operand: unknown, field: FieldInfo): string | undefined {
  if (field.format !== 'date' && field.format !== 'date-time') {
    return `"before" needs a date or date-time field, but "${field.path}" is neither`
  }
  if (typeof operand !== 'string') return `"before" needs a date string or $now.date or $now.dateTime, got ${JSON.stringify(operand)}`
  return operandProblem(operand, field, field.path)
}

/** Checks a literal or variable against what the field's schema allows and returns the problem, if any. */
function operandProblem (operand: unknown, shape: FieldShape, label: string): string | undefined {
  if (typeof operand === 'string' && operand.startsWith('$')) return variableProblem(operand, shape, label)

  if (typeof operand !== 'string' && typeof operand !== 'number' && typeof operand !== 'boolean') {
    return `value must be a string, number or boolean, got ${JSON.stringify(operand)}`
  }
  const type = jsonTypeOf(operand)
  const fits = shape.types.has(type) || (type === 'integer' && shape.types.has('number'))
  if (!fits) return `${JSON.stringify(operand)} is a ${type}, but ${label} has type ${[...shape.types].join(' or ')}`
  if (shape.enum !== undefined && !shape.enum.includes(operand)) {
    return `${JSON.stringify(operand)} is not an allowed value of ${label}; allowed: ${shape.enum.map(item => JSON.stringify(item)).join(', ')}`
  }
  if (typeof operand === 'string' && shape.pattern !== undefined && !new RegExp(shape.pattern, 'u').test(operand)) {
    return `${JSON.stringify(operand)} does not match the pattern ${shape.pattern} of ${label}`
  }
  if (typeof operand === 'string' && shape.format === 'date' && !isValidDate(operand)) {
    return `${JSON.stringify(operand)} is not a valid date (YYYY-MM-DD), which ${label} requires`
  }
  if (typeof operand === 'string' && shape.format === 'date-time' && !isValidDateTime(operand)) {
    return `${JSON.stringify(operand)} is not a valid date-time with a time zone, which ${label} requires`
  }
  return undefined
}

function variableProblem (name: string, shape: FieldShape, label: string): string | undefined {
  if (!(VARIABLES as readonly string[]).includes(name)) {
    // An unknown variable is wrong whatever the field, so it does not wait for the other types.
    return `unknown variable ${name}; use one of ${VARIABLES.join(', ')}`
  }
  const kind = VARIABLE_KINDS[name as Variable]
  if (!shape.types.has('string')) return `${name} is ${kind.description}, but ${label} has type ${[...shape.types].join(' or ')}`
  if (kind.format !== shape.format) {
    const format = shape.format === undefined ? 'no date format' : `format ${shape.format}`
    return `${name} is ${kind.description}, but ${label} has ${format}`
  }
  if (shape.enum !== undefined && !shape.enum.some(item => typeof item === 'string' && kind.sample.test(item))) {
    return `${name} is ${kind.description}, which can never equal an allowed value of ${label}`
  }
  return undefined
}

export function isValidDate (text: string): boolean {
  if (!DATE.test(text)) return false
  const parsed = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(text)
}

export function isValidDateTime (text: string): boolean {
  return DATE_TIME.test(text) && isValidDate(text.slice(0, 10)) && !Number.isNaN(Date.parse(text))
}
