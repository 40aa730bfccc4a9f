import { RECORD_TYPES, recordSchemas } from '../../../protocol/src/index.ts'
import type { RecordType } from '../../../protocol/src/index.ts'

/** JSON type of a value; `integer` is a number without a fractional part. */
export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'null'

/** Constraints a record schema puts on one field, as far as policy checks need them. */
export interface FieldShape {
  readonly types: ReadonlySet<JsonType>
  readonly enum?: readonly unknown[]
  readonly format?: string
  readonly pattern?: string
  readonly minimum?: number
  readonly minLength?: number
  readonly maxLength?: number
  readonly minItems?: number
  /** Shape of the elements, for array fields. */
  readonly items?: FieldShape
  /** Members of an object field, or of the record itself at the root. */
  readonly properties?: ReadonlyMap<string, FieldShape>
  /** Names of the members the object requires. */
  readonly requiredProperties?: ReadonlySet<string>
}

/** A field of one record type, reached by a dotted path through object properties. */
export interface FieldInfo extends FieldShape {
  readonly path: string
  /** The parent object requires the field, so removing it makes the record invalid. */
  readonly required: boolean
}

/** Fields of every record type: flat by dotted path, and as the tree of the record's shape. */
export interface FieldCatalogue {
  readonly fields: ReadonlyMap<RecordType, ReadonlyMap<string, FieldInfo>>
  readonly roots: ReadonlyMap<RecordType, FieldShape>
}

interface MutableShape {
  types: Set<JsonType>
  enum?: unknown[]
  format?: string
  pattern?: string
  minimum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  items?: MutableShape
  properties: Map<string, MutableShape>
  required: Set<string>
}

type SchemaNode = Record<string, unknown>

// Record schemas nest a few levels at most; a deeper chain of $ref means a reference cycle.
const MAX_SCHEMA_DEPTH = 32

/**
 * Builds the field catalogue from the record schemas of the protocol package.
 *
 * Object properties become dotted paths (`provenance.jurisdiction`). Arrays are leaves of the
 * flat list, because a field path cannot go inside a list; the tree keeps their elements' shape. A field named in the `required` list
 * of an `anyOf` or `oneOf` branch (Vehicle's `vin` or `registrationPlate`) counts as
 * required, because removing it can make the record invalid.
 */
export function buildFieldCatalogue (): FieldCatalogue {
  const documents = recordSchemas()
  const catalogue = new Map<RecordType, Map<string, FieldInfo>>()
  const roots = new Map<RecordType, FieldShape>()

  for (const type of RECORD_TYPES) {
    const id = `urn:ceasefire:schema:${type}`
    const schema = documents.get(id)
    if (schema === undefined) throw new Error(`protocol package has no schema with $id ${id}`)

    const fields = new Map<string, FieldInfo>()
    const root = shapeOf(schema as SchemaNode, id, documents, 0)
    addFields(fields, '', root)
    catalogue.set(type, fields)
    roots.set(type, freezeShape(root))
  }

  return { fields: catalogue, roots }
}

function addFields (fields: Map<string, FieldInfo>, prefix: string, parent: MutableShape): void {
  for (const [name, shape] of parent.properties) {
    const path = prefix === '' ? name : `${prefix}.${name}`
    fields.set(path, freezeField(path, shape, parent.required.has(name)))
    if (shape.properties.size > 0) addFields(fields, path, shape)
  }
}

function freezeField (path: string, shape: MutableShape, required: boolean): FieldInfo {
  return { path, required, ...freezeShape(shape) }
}

function freezeShape (shape: MutableShape): FieldShape {
  const result: { -readonly [K in keyof FieldShape]: FieldShape[K] } = { types: shape.types }
  if (shape.enum !== undefined) result.enum = shape.enum
  if (shape.format !== undefined) result.format = shape.format
  if (shape.pattern !== undefined) result.pattern = shape.pattern
  if (shape.minimum !== undefined) result.minimum = shape.minimum
  if (shape.minLength !== undefined) result.minLength = shape.minLength
  if (shape.maxLength !== undefined) result.maxLength = shape.maxLength
  if (shape.minItems !== undefined) result.minItems = shape.minItems
  if (shape.items !== undefined) result.items = freezeShape(shape.items)
  if (shape.properties.size > 0) {
    result.properties = new Map([...shape.properties].map(([name, child]) => [name, freezeShape(child)]))
    result.requiredProperties = shape.required
  }
  return result
}

/** Merges a schema node with everything it references through `$ref` and `allOf`. */
function shapeOf (node: SchemaNode, documentId: string, documents: Map<string, unknown>, depth: number): MutableShape {
  if (depth > MAX_SCHEMA_DEPTH) throw new Error(`record schema ${documentId} nests deeper than ${MAX_SCHEMA_DEPTH} levels; check it for a $ref cycle`)

  const shape: MutableShape = { types: new Set(), properties: new Map(), required: new Set() }

  if (typeof node.$ref === 'string') {
    const { target, targetDocumentId } = resolveRef(node.$ref, documentId, documents)
    mergeInto(shape, shapeOf(target, targetDocumentId, documents, depth + 1))
  }
  for (const part of asNodeList(node.allOf)) mergeInto(shape, shapeOf(part, documentId, documents, depth + 1))

  const declared = node.type
  if (typeof declared === 'string') shape.types.add(declared as JsonType)
  if (Array.isArray(declared)) for (const name of declared) shape.types.add(name as JsonType)

  if ('const' in node) {
    shape.enum = [node.const]
    shape.types.add(jsonTypeOf(node.const))
  }
  if (Array.isArray(node.enum)) {
    shape.enum = [...node.enum]
    for (const value of node.enum) shape.types.add(jsonTypeOf(value))
  }

  if (typeof node.format === 'string') shape.format = node.format
  if (typeof node.pattern === 'string') shape.pattern = node.pattern
  if (typeof node.minimum === 'number') shape.minimum = node.minimum
  if (typeof node.minLength === 'number') shape.minLength = node.minLength
  if (typeof node.maxLength === 'number') shape.maxLength = node.maxLength
  if (typeof node.minItems === 'number') shape.minItems = node.minItems
  if (isNode(node.items)) shape.items = shapeOf(node.items, documentId, documents, depth + 1)

  if (isNode(node.properties)) {
    for (const [name, child] of Object.entries(node.properties)) {
      if (isNode(child)) mergeProperty(shape, name, shapeOf(child, documentId, documents, depth + 1))
    }
  }
  if (Array.isArray(node.required)) for (const name of node.required) shape.required.add(String(name))
  for (const branch of [...asNodeList(node.anyOf), ...asNodeList(node.oneOf)]) {
    if (Array.isArray(branch.required)) for (const name of branch.required) shape.required.add(String(name))
  }

  return shape
}

function mergeInto (target: MutableShape, source: MutableShape): void {
  for (const type of source.types) target.types.add(type)
  if (source.enum !== undefined) target.enum = source.enum
  if (source.format !== undefined) target.format = source.format
  if (source.pattern !== undefined) target.pattern = source.pattern
  if (source.minimum !== undefined) target.minimum = source.minimum
  if (source.minLength !== undefined) target.minLength = source.minLength
  if (source.maxLength !== undefined) target.maxLength = source.maxLength
  if (source.minItems !== undefined) target.minItems = source.minItems
  if (source.items !== undefined) target.items = source.items
  for (const [name, child] of source.properties) mergeProperty(target, name, child)
  for (const name of source.required) target.required.add(name)
}

function mergeProperty (target: MutableShape, name: string, child: MutableShape): void {
  const existing = target.properties.get(name)
  if (existing === undefined) target.properties.set(name, child)
  else mergeInto(existing, child)
}

function resolveRef (ref: string, documentId: string, documents: Map<string, unknown>): { target: SchemaNode, targetDocumentId: string } {
  // A reference is `<document id>#<JSON pointer>`; either part may be missing.
  const hash = ref.indexOf('#')
  let targetDocumentId = ref
  let pointer = ''
  if (hash >= 0) {
    targetDocumentId = hash === 0 ? documentId : ref.slice(0, hash)
    pointer = ref.slice(hash + 1)
  }

  let target: unknown = documents.get(targetDocumentId)
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~')
    target = isNode(target) ? target[key] : undefined
  }
  if (!isNode(target)) throw new Error(`record schema ${documentId} has a $ref that resolves to nothing: ${ref}`)
  return { target, targetDocumentId }
}

function asNodeList (value: unknown): SchemaNode[] {
  return Array.isArray(value) ? value.filter(isNode) : []
}

function isNode (value: unknown): value is SchemaNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Returns the JSON type of a parsed JSON value. */
export function jsonTypeOf (value: unknown): JsonType {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as JsonType
  return 'object'
}
