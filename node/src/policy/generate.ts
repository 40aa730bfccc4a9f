import { RECORD_TYPES, validateRecord } from '../../../protocol/src/index.ts'
import type { RecordType } from '../../../protocol/src/index.ts'
import { compiledModuleOf } from './compiled.ts'
import type { CompiledRule } from './compiled.ts'
import { ABSENT, conditionDimensions } from './condition-dimensions.ts'
import type { Dimension } from './condition-dimensions.ts'
import { policyEnvironment } from './module.ts'
import { sampleRecord, sampleRecordId } from './sample-record.ts'
import type { FieldShape } from './schema-fields.ts'
import { SECTIONS } from './types.ts'
import type { InformationRequest, PolicyModule, Section } from './types.ts'

/** A decision input made up from the schemas and the rules' conditions. */
export interface GeneratedCase {
  readonly section: Section
  readonly record: Record<string, unknown>
  readonly self: string
  /** The recipient (outbound), the sender (inbound) or the requester (request). */
  readonly counterpart: string
  readonly request?: InformationRequest
  readonly linked: ReadonlyMap<string, unknown>
  readonly now: Date
  /** The values that differ from the sample record, such as `record.subjectCategory = "witness"`. */
  readonly label: string
  /** The record matches its schema. Cases that test `has()` on a required field do not. */
  readonly valid: boolean
}

export interface GenerateOptions {
  /** Jurisdiction of the deciding node. */
  readonly self: string
  /** Recipients, senders or requesters to try; every case is made for each. */
  readonly counterparts: readonly string[]
  /** Jurisdictions to try wherever a condition reads a country code; self and counterparts are added. */
  readonly jurisdictions?: readonly string[]
  readonly sections?: readonly Section[]
  readonly now?: Date
}

// Products of candidate lists larger than this are sampled instead of enumerated in full.
const MAX_COMBINATIONS = 256

/**
 * Generates decision inputs that exercise every rule of the given modules. Each section and
 * record type gets a sample record. Each rule adds variants of it, with the values that flip
 * each comparison in its condition and link conditions, alone and in combination.
 */
export function generateCases (modules: readonly PolicyModule[], options: GenerateOptions): GeneratedCase[] {
  const { catalogue } = policyEnvironment()
  const now = options.now ?? new Date()
  const jurisdictions = [...new Set([options.self, ...options.counterparts, ...options.jurisdictions ?? []])].sort()
  const cases = new Map<string, GeneratedCase>()

  for (const section of options.sections ?? SECTIONS) {
    for (const type of RECORD_TYPES) {
      const root = catalogue.roots.get(type)
      if (root === undefined) continue
      const base = sampleRecord(type, root, { jurisdiction: options.self, now })
      const variants: Variant[] = [{ assignments: [], linked: new Map() }]
      for (const compiled of rulesFor(modules, section, type)) {
        variants.push(...ruleVariants(compiled, root, type, { jurisdiction: options.self, now, jurisdictions }))
      }
      for (const variant of variants) {
        for (const counterpart of options.counterparts) {
          const generated = buildCase(section, type, base, variant, options.self, counterpart, now)
          if (generated === undefined) continue
          const key = caseKey(generated)
          if (!cases.has(key)) cases.set(key, generated)
        }
      }
    }
  }
  return [...cases.values()]
}

/** One assignment of values to what a rule reads, before it is applied to a sample record. */
interface Variant {
  readonly assignments: ReadonlyArray<readonly [Dimension, unknown]>
  readonly linked: ReadonlyMap<string, Record<string, unknown>>
  /** Link field and the ids put into it. */
  readonly links?: readonly [string, readonly string[]]
}

/** Compiled rules of every module that apply to the section and type, each condition once. */
function rulesFor (modules: readonly PolicyModule[], section: Section, type: RecordType): CompiledRule[] {
  const seen = new Set<string>()
  return modules.flatMap(module => compiledModuleOf(module)?.get(section)?.get(type)?.rules ?? []).filter(compiled => {
    const key = `${compiled.rule.when}\n${compiled.links.map(link => `${link.spec.field}:${link.spec.when}`).join('\n')}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function ruleVariants (
  compiled: CompiledRule, root: FieldShape, type: RecordType,
  context: { jurisdiction: string, now: Date, jurisdictions: readonly string[] }
): Variant[] {
  const dimensions = conditionDimensions(compiled.condition.ast, { ...context, recordShape: root })
  const variants: Variant[] = combinations(dimensions).map(assignments => ({ assignments, linked: new Map() }))

  const { catalogue } = policyEnvironment()
  for (const { spec, condition } of compiled.links) {
    for (const linkedType of spec.linkedTypes) {
      const linkedShape = catalogue.roots.get(linkedType)
      if (linkedShape === undefined) continue
      const linkedDimensions = conditionDimensions(condition.ast, { ...context, recordShape: root, linkedShape })
        .filter(dimension => dimension.target === 'linked')
      const linked = new Map<string, Record<string, unknown>>()
      combinations(linkedDimensions).forEach((assignments, index) => {
        const record = sampleRecord(linkedType, linkedShape, context)
        applyAssignments(record, assignments)
        record.id = sampleRecordId(linkedType, context.jurisdiction, `gen-link-${index}`)
        linked.set(record.id as string, record)
      })
      const missing = sampleRecordId(linkedType, context.jurisdiction, 'gen-missing')
      const field = catalogue.fields.get(type)?.get(spec.field)
      if (field === undefined) continue
      if (field.types.has('array')) {
        variants.push({ assignments: [], linked, links: [spec.field, [...linked.keys(), missing]] })
        for (const id of linked.keys()) variants.push({ assignments: [], linked, links: [spec.field, [id]] })
      } else {
        for (const id of [...linked.keys(), missing]) variants.push({ assignments: [], linked, links: [spec.field, [id]] })
      }
    }
  }
  return variants
}

/**
 * Returns assignments that cover every candidate of every dimension: the full product when it
 * is small, otherwise each candidate on its own, plus rows that move all dimensions together.
 */
function combinations (dimensions: readonly Dimension[]): Array<Array<readonly [Dimension, unknown]>> {
  const sizes = dimensions.map(dimension => dimension.candidates.length)
  const total = sizes.reduce((product, size) => product * size, 1)
  if (dimensions.length === 0) return []
  if (total <= MAX_COMBINATIONS) {
    let rows: Array<Array<readonly [Dimension, unknown]>> = [[]]
    for (const dimension of dimensions) {
      rows = rows.flatMap(row => dimension.candidates.map(value => [...row, [dimension, value] as const]))
    }
    return rows
  }
  const rows: Array<Array<readonly [Dimension, unknown]>> = []
  for (const dimension of dimensions) for (const value of dimension.candidates) rows.push([[dimension, value]])
  for (let index = 0; index < Math.max(...sizes); index++) {
    rows.push(dimensions.map(dimension => [dimension, dimension.candidates[index % dimension.candidates.length]] as const))
  }
  return rows
}

function buildCase (
  section: Section, type: RecordType, base: Record<string, unknown>, variant: Variant, self: string, defaultCounterpart: string, now: Date
): GeneratedCase | undefined {
  const record = structuredClone(base)
  let counterpart = defaultCounterpart
  let caseSelf = self
  const request = { purpose: 'sample purpose', offence: 'sample offence', urgent: false }
  const labels: string[] = []

  for (const [dimension, value] of variant.assignments) {
    if (dimension.target === 'self') caseSelf = value as string
    if (dimension.target === 'counterpart') counterpart = value as string
    if (dimension.target === 'request') Object.assign(request, { [dimension.path[0] as string]: value })
    labels.push(labelOf(dimension, value))
  }
  applyAssignments(record, variant.assignments.filter(([dimension]) => dimension.target === 'record'))
  if (variant.links !== undefined) {
    const [field, ids] = variant.links
    record[field] = field === 'linkedPerson' || !Array.isArray(record[field]) ? ids[0] : [...ids]
    labels.push(`record.${field} = ${JSON.stringify(ids)}`)
  }

  // Record ids name the originating jurisdiction and the type, as nodes check on receipt.
  const provenance = record.provenance as Record<string, unknown> | undefined
  const origin = typeof provenance?.jurisdiction === 'string' ? provenance.jurisdiction : self
  record.id = sampleRecordId(type, origin, 'gen-1')
  // A node neither sends to nor receives from itself.
  if (counterpart === caseSelf) return undefined

  return {
    section,
    record,
    self: caseSelf,
    counterpart,
    ...(section === 'request' ? { request: { ...request, requester: { jurisdiction: counterpart } } } : {}),
    linked: variant.linked,
    now,
    label: labels.length === 0 ? 'sample record' : labels.join(', '),
    valid: isValid(record) && [...variant.linked.values()].every(isValid)
  }
}

function applyAssignments (record: Record<string, unknown>, assignments: ReadonlyArray<readonly [Dimension, unknown]>): void {
  for (const [dimension, value] of assignments) {
    if (dimension.target !== 'record' && dimension.target !== 'linked') continue
    let parent = record
    for (const name of dimension.path.slice(0, -1)) {
      if (parent[name] === null || typeof parent[name] !== 'object') parent[name] = {}
      parent = parent[name] as Record<string, unknown>
    }
    const last = dimension.path[dimension.path.length - 1] as string
    if (value === ABSENT) delete parent[last]
    else parent[last] = structuredClone(value)
  }
}

function labelOf (dimension: Dimension, value: unknown): string {
  const name = dimension.target === 'self' || dimension.target === 'counterpart' ? dimension.target : `${dimension.target}.${dimension.path.join('.')}`
  return value === ABSENT ? `${name} absent` : `${name} = ${JSON.stringify(value)}`
}

function isValid (record: unknown): boolean {
  try {
    validateRecord(record)
    return true
  } catch {
    return false
  }
}

function caseKey (generated: GeneratedCase): string {
  return JSON.stringify([generated.section, generated.self, generated.counterpart, generated.record, generated.request, [...generated.linked.keys()]])
}
