import { Environment } from '@marcbachmann/cel-js'
import { Duration } from '@marcbachmann/cel-js/evaluator'
import { RECORD_TYPES } from '../../../protocol/src/index.ts'
import type { RecordType } from '../../../protocol/src/index.ts'
import type { FieldCatalogue, FieldShape } from './schema-fields.ts'
import type { Section } from './types.ts'

/** CEL name of the timestamp type, the type of `now`. */
const TIMESTAMP = 'google.protobuf.Timestamp'

/** Variables each section offers besides `record`, with their CEL types. */
export const SECTION_VARIABLES: Readonly<Record<Section, Readonly<Record<string, string>>>> = {
  outbound: { self: 'nfp.Party', recipient: 'nfp.Party', now: TIMESTAMP },
  inbound: { self: 'nfp.Party', sender: 'nfp.Party', now: TIMESTAMP },
  request: { self: 'nfp.Party', request: 'nfp.Request', now: TIMESTAMP },
  initiative: { self: 'nfp.Party', peer: 'nfp.Party', now: TIMESTAMP },
  index: { self: 'nfp.Party', now: TIMESTAMP }
}

/**
 * Limits on the size of one condition. Conditions are written by people and read by legal
 * officers, so these are far above any sensible rule and only stop runaway input.
 */
const LIMITS = { maxAstNodes: 1000, maxDepth: 32, maxListElements: 200, maxMapEntries: 50, maxCallArguments: 8 }

/** CEL environments for checking conditions at load time and for evaluating them. */
export interface CelEnvironments {
  /**
   * Environment in which `record` has the schema type of `type`, `linked` (when given) that
   * of `linkedType`, and the section's variables their declared types.
   */
  forCheck: (section: Section, type: RecordType, linkedType?: RecordType) => Environment
  /**
   * Environment in which every variable is dynamic. Conditions run here after they passed the
   * check, because it reads plain JSON records without converting them into typed objects.
   */
  readonly runtime: Environment
}

/**
 * Builds the CEL environments from the record schemas.
 *
 * Each record type becomes a CEL message type `nfp.<Type>` whose fields follow its JSON
 * Schema: strings (dates, date-times and enums included) are `string`, JSON integers `int`,
 * other numbers `double`, lists `list<…>` and nested objects their own message types.
 */
export function createCelEnvironments (catalogue: FieldCatalogue): CelEnvironments {
  const base = new Environment({ unlistedVariablesAreDyn: false, limits: LIMITS })
  registerFunctions(base)
  base.registerType('nfp.Party', { fields: { jurisdiction: 'string' } })
  base.registerType('nfp.Request', { fields: { purpose: 'string', urgent: 'bool', offence: 'string', requester: 'nfp.Party' } })
  for (const type of RECORD_TYPES) {
    const root = catalogue.roots.get(type)
    if (root === undefined) throw new Error(`field catalogue has no schema for record type ${type}`)
    registerMessageType(base, `nfp.${type}`, root)
  }

  const cache = new Map<string, Environment>()
  const forCheck = (section: Section, type: RecordType, linkedType?: RecordType): Environment => {
    const key = `${section}/${type}/${linkedType ?? ''}`
    let environment = cache.get(key)
    if (environment === undefined) {
      environment = base.clone()
      environment.registerVariable('record', `nfp.${type}`)
      if (linkedType !== undefined) environment.registerVariable('linked', `nfp.${linkedType}`)
      for (const [name, celType] of Object.entries(SECTION_VARIABLES[section])) environment.registerVariable(name, celType)
      cache.set(key, environment)
    }
    return environment
  }

  const runtime = new Environment({ unlistedVariablesAreDyn: false, limits: LIMITS })
  registerFunctions(runtime)
  for (const name of ['record', 'linked', 'self', 'recipient', 'sender', 'request', 'peer']) runtime.registerVariable(name, 'map<string, dyn>')
  runtime.registerVariable('now', TIMESTAMP)

  return { forCheck, runtime }
}

/** Registers the message type for an object shape, after the types of its nested objects. */
function registerMessageType (environment: Environment, name: string, shape: FieldShape): void {
  const fields: Record<string, string> = {}
  for (const [field, child] of shape.properties ?? []) {
    // A name such as "@context" cannot follow a dot in CEL, so conditions cannot select it.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) continue
    fields[field] = celTypeOf(environment, `${name}.${field}`, child)
  }
  environment.registerType(name, { fields })
}

function celTypeOf (environment: Environment, name: string, shape: FieldShape): string {
  const types = shape.types
  if (types.size === 1 && types.has('array')) {
    return `list<${shape.items === undefined ? 'dyn' : celTypeOf(environment, `${name}.item`, shape.items)}>`
  }
  if (types.size === 1 && types.has('object')) {
    if (shape.properties === undefined) return 'map<string, dyn>'
    registerMessageType(environment, name, shape)
    return name
  }
  if (types.size === 1 && types.has('string')) return 'string'
  if (types.size === 1 && types.has('boolean')) return 'bool'
  if (types.size === 1 && types.has('integer')) return 'int'
  if ([...types].every(type => type === 'number' || type === 'integer')) return 'double'
  return 'dyn'
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * Adds the functions the policy language offers beyond standard CEL:
 * `date(string)` and `date(timestamp)` give the start of a calendar day in UTC, so dates
 * compare as days, and `days(int)` is a duration of whole days.
 */
function registerFunctions (environment: Environment): void {
  environment.registerFunction(`date(string): ${TIMESTAMP}`, (text: string) => {
    const match = DATE.exec(text)
    const year = Number(match?.[1])
    const month = Number(match?.[2]) - 1
    const day = Number(match?.[3])
    const start = new Date(Date.UTC(year, month, day))
    // Date.UTC rolls 2026-02-30 over into March and reads year 99 as 1999, so a date is valid
    // only when its parts read back the same.
    if (match === null || start.getUTCFullYear() !== year || start.getUTCMonth() !== month || start.getUTCDate() !== day) {
      throw new RangeError(`date() needs a calendar date written YYYY-MM-DD, got ${JSON.stringify(text)}`)
    }
    return start
  }, { description: 'Start of the calendar day (UTC) of a YYYY-MM-DD date.' })
  environment.registerFunction(`date(${TIMESTAMP}): ${TIMESTAMP}`, (instant: Date) => {
    return new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate()))
  }, { description: 'Start of the calendar day (UTC) of a timestamp.' })
  environment.registerFunction('days(int): google.protobuf.Duration', (count: bigint) => new Duration(count * 86_400n), {
    description: 'Duration of a number of whole days.'
  })
}
