import { readdirSync, readFileSync } from 'node:fs'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { CONTEXT_URL, RECORD_TYPES } from './constants.ts'
import type { RecordType } from './constants.ts'
import { RecordInvalidError, RecordJsonLdInvalidError } from './errors.ts'
import { createAjv } from './lib/ajv.ts'
import type { NfpRecord } from './record.ts'

const schemaDir = new URL('../schemas/', import.meta.url)

const ajv = createAjv()

const schemas = new Map<string, unknown>()
// Only the record schemas: the membership schema lives beside them but is not a record.
const recordSchemaFiles = readdirSync(schemaDir).filter(name => name.endsWith('.schema.json') && name !== 'membership.schema.json')
for (const file of recordSchemaFiles.sort()) {
  const schema = JSON.parse(readFileSync(new URL(file, schemaDir), 'utf8')) as { $id: string }
  schemas.set(schema.$id, schema)
  ajv.addSchema(schema)
}

for (const type of RECORD_TYPES) {
  if (!schemas.has(`urn:ceasefire:schema:${type}`)) throw new Error(`protocol package is missing the schema of record type ${type}`)
}

// Each type's validator is compiled on the first record of that type, not when the module
// loads, because compiling them all took about 0.3 s of every start.
const validators = new Map<RecordType, ValidateFunction>()

function validatorOf (type: RecordType): ValidateFunction {
  let validate = validators.get(type)
  if (validate === undefined) {
    validate = ajv.getSchema(`urn:ceasefire:schema:${type}`) as ValidateFunction
    validators.set(type, validate)
  }
  return validate
}

/** Returns the JSON Schema documents shipped for records, keyed by `$id`. */
export function recordSchemas (): Map<string, unknown> {
  return new Map(Array.from(schemas, ([id, schema]) => [id, structuredClone(schema)]))
}

/**
 * Checks a record against the JSON Schema of its type and returns it typed.
 *
 * @throws RecordInvalidError naming the first offending field: an unknown field, a missing
 *   required field or an invalid value. The record is never modified.
 */
export function validateRecord (record: unknown): NfpRecord {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new RecordInvalidError('record must be a JSON object')
  }

  const context = (record as { '@context'?: unknown })['@context']
  if (context !== CONTEXT_URL) {
    throw new RecordJsonLdInvalidError(`field \`@context\` must be ${JSON.stringify(CONTEXT_URL)}, got ${JSON.stringify(context ?? null)}`, { field: '@context' })
  }

  const type = (record as { type?: unknown }).type
  if (typeof type !== 'string' || !(RECORD_TYPES as readonly string[]).includes(type)) {
    throw new RecordInvalidError(
      `field \`type\` must be one of ${RECORD_TYPES.join(', ')}, got ${JSON.stringify(type ?? null)}`,
      { field: 'type' }
    )
  }

  const validate = validatorOf(type as RecordType)
  if (!validate(record)) throw describeFailure(type, (validate.errors ?? [])[0])

  checkIdentity(record as NfpRecord)
  return record as NfpRecord
}

/**
 * Checks that the id names the record's own jurisdiction and type. Records are stored by id, so
 * without this a member could sign a record under another jurisdiction's id and replace it.
 */
function checkIdentity (record: NfpRecord): void {
  const [, , jurisdiction, type] = record.id.split(':')
  if (jurisdiction !== record.provenance.jurisdiction.toLowerCase()) {
    throw new RecordInvalidError(`record id \`${record.id}\` names jurisdiction \`${jurisdiction}\` but \`provenance.jurisdiction\` is ${record.provenance.jurisdiction}; a record id must start with urn:nfp:${record.provenance.jurisdiction.toLowerCase()}:`, { field: 'id' })
  }
  if (type !== record.type.toLowerCase()) {
    throw new RecordInvalidError(`record id \`${record.id}\` names type \`${type}\` but the record is a ${record.type}; use urn:nfp:${jurisdiction}:${record.type.toLowerCase()}:<local id>`, { field: 'id' })
  }
}

function describeFailure (type: string, error: ErrorObject | undefined): RecordInvalidError {
  if (error === undefined) return new RecordInvalidError(`${type} record is invalid`)

  const at = pointerToPath(error.instancePath)
  const params = error.params as Record<string, unknown>
  if (error.keyword === 'unevaluatedProperties' || error.keyword === 'additionalProperties') {
    const name = String(params.unevaluatedProperty ?? params.additionalProperty)
    const field = at === '' ? name : `${at}.${name}`
    return new RecordInvalidError(`unknown field \`${field}\` in ${type} record; remove it or check its spelling against the ${type} schema`, { field })
  }
  if (error.keyword === 'required') {
    const name = String(params.missingProperty)
    const field = at === '' ? name : `${at}.${name}`
    return new RecordInvalidError(`missing required field \`${field}\` in ${type} record`, { field })
  }
  const field = at === '' ? '(record)' : at
  return new RecordInvalidError(`invalid value of field \`${field}\` in ${type} record: ${describeKeyword(error)}`, { field })
}

function describeKeyword (error: ErrorObject): string {
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`
    case 'anyOf':
      return 'must contain at least one of the identifying fields (see the schema)'
    default:
      return error.message ?? error.keyword
  }
}

function pointerToPath (pointer: string): string {
  return pointer.split('/').slice(1)
    .map(part => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.')
}
