import type { RecordType } from '../../../protocol/src/index.ts'
import type { FieldShape } from './schema-fields.ts'

const DAY_MS = 86_400_000

/** Strings tried, in order, for a text field whose schema sets a pattern. */
const PATTERN_SAMPLES = ['SAMPLE1', 'sample', '1HGCM82633A004352', 'AB', 'a1']

/** What a sample value depends on. */
export interface SampleContext {
  /** Jurisdiction written into country codes and record ids. */
  readonly jurisdiction: string
  readonly now: Date
}

/**
 * Builds a record of `type` with every field of its schema filled in, so that redact rules
 * find something to remove. Dates lie a year after `now`, so no review date has passed.
 * Record ids name the type their field name suggests (`persons` → Person, `seller` →
 * OnlineIdentity); links are examples, not records that exist.
 */
export function sampleRecord (type: RecordType, root: FieldShape, context: SampleContext): Record<string, unknown> {
  const record = sampleObject(root, '', context) as Record<string, unknown>
  record.type = type
  record.id = sampleRecordId(type, context.jurisdiction, 'gen-0')
  record.versionHash = `sha256:${'0'.repeat(64)}`
  return record
}

/** Builds a record id `urn:nfp:<jurisdiction>:<type>:<local id>` as SPEC.md section 3 defines it. */
export function sampleRecordId (type: string, jurisdiction: string, localId: string): string {
  return `urn:nfp:${jurisdiction.toLowerCase()}:${type.toLowerCase()}:${localId}`
}

/** Returns a value the shape accepts, or undefined when the generator cannot make one. */
export function sampleValue (shape: FieldShape, name: string, context: SampleContext): unknown {
  if (shape.enum !== undefined) return shape.enum[0]
  if (shape.types.has('array')) {
    // Each further element gets a numbered name, so that elements of a uniqueItems list differ.
    const items: unknown[] = []
    for (let i = 0; i < Math.max(shape.minItems ?? 1, 1) && shape.items !== undefined; i++) {
      const item = sampleValue(shape.items, i === 0 ? name : `${name}${i + 1}`, context)
      if (item !== undefined) items.push(item)
    }
    return items
  }
  if (shape.types.has('object')) return sampleObject(shape, name, context)
  if (shape.types.has('boolean')) return false
  if (shape.types.has('integer')) return Math.max(shape.minimum ?? 1, 1)
  if (shape.types.has('number')) return Math.max(shape.minimum ?? 0, 0) + 0.5
  if (shape.types.has('string')) return sampleText(shape, name, context)
  return undefined
}

function sampleObject (shape: FieldShape, name: string, context: SampleContext): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const [member, child] of shape.properties ?? []) {
    const value = sampleValue(child, member === '' ? name : member, context)
    if (value !== undefined) result[member] = value
  }
  return result
}

function sampleText (shape: FieldShape, name: string, context: SampleContext): string | undefined {
  if (shape.format === 'date') return new Date(context.now.getTime() + 365 * DAY_MS).toISOString().slice(0, 10)
  if (shape.format === 'date-time') return context.now.toISOString()
  const pattern = shape.pattern
  if (pattern === '^[A-Z]{2}$') return context.jurisdiction
  if (pattern?.startsWith('^urn:nfp:') === true) return sampleRecordId(linkedTypeOf(name), context.jurisdiction, `gen-${name.toLowerCase()}`)
  if (pattern?.startsWith('^sha256:') === true) return `sha256:${'0'.repeat(64)}`
  const regex = pattern === undefined ? undefined : new RegExp(pattern, 'u')
  const samples = pattern === undefined ? [`sample ${name}`] : PATTERN_SAMPLES
  return samples.map(sample => fitLength(sample, shape)).find(sample => regex === undefined || regex.test(sample))
}

/** Repeats or cuts a sample so that its length lies within the schema's limits. */
function fitLength (sample: string, shape: FieldShape): string {
  const minimum = shape.minLength ?? 0
  const repeated = sample.length >= minimum ? sample : sample.repeat(Math.ceil(minimum / sample.length))
  return repeated.slice(0, Math.min(shape.maxLength ?? repeated.length, Math.max(minimum, sample.length)))
}

/** Guesses the type of the records a link field points to from the field's name. */
function linkedTypeOf (field: string): string {
  if (/person/i.test(field)) return 'Person'
  if (/seller/i.test(field)) return 'OnlineIdentity'
  if (/offeredIn/i.test(field)) return 'WebListing'
  return 'Firearm'
}
