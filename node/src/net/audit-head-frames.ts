import { readFileSync } from 'node:fs'
import Schema from 'typebox/schema'
import { MAX_FRAME_BYTES, errors } from '@ceasefire/protocol'

/** Request frame of `/nfp/audit-head/1.0.0`. */
export interface AuditHeadRequest {
  type: 'audit-head-request'
  requestId: string
  /** Seqs of the peer's entries to return the stored hash of, from heads seen before. */
  seqs: number[]
}

/** Result frame of `/nfp/audit-head/1.0.0`: the response to a request that was read. */
export interface AuditHeadResult {
  type: 'audit-head-response'
  requestId: string
  /** Compact JWS of the responder's latest head; missing only when it has none and `brokenAt` is set. */
  head?: string
  hashes: Array<{ seq: number, hash: string | null }>
  brokenAt?: number
}

/** Sent instead of a result when the request is rejected. */
export interface AuditHeadErrorFrame {
  type: 'error'
  requestId?: string
  code: string
  message: string
}

export type AuditHeadResponse = AuditHeadResult | AuditHeadErrorFrame

type Validator = ReturnType<typeof Schema.Compile>
type JsonSchema = Parameters<typeof Schema.Compile>[0]

// The schemas are the JSON Schema files of the protocol package, found through its entry point.
const schemaDir = new URL('../schemas/messages/', import.meta.resolve('@ceasefire/protocol'))
const validateRequest = Schema.Compile(readSchema('audit-head-request.schema.json'))
// The response schema is a oneOf of a result and an error frame. Each branch is compiled on its
// own and picked by `type`, so an error message names the field at fault in that branch.
const [resultSchema, errorSchema] = (readSchema('audit-head-response.schema.json') as { oneOf: [JsonSchema, JsonSchema] }).oneOf
const validateResult = Schema.Compile(resultSchema)
const validateErrorFrame = Schema.Compile(errorSchema)

function readSchema (file: string): JsonSchema {
  return JSON.parse(readFileSync(new URL(file, schemaDir), 'utf8')) as JsonSchema
}

/** Encodes a message as the UTF-8 JSON body of one frame. */
export function encodeAuditHeadFrame (message: AuditHeadRequest | AuditHeadResponse): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(message))
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    throw new errors.FrameTooLargeError(`audit head frame of ${bytes.byteLength} bytes exceeds the maximum of ${MAX_FRAME_BYTES} bytes`)
  }
  return bytes
}

/** Decodes and checks a request frame. @throws FrameTooLargeError or FrameMalformedError. */
export function decodeAuditHeadRequest (bytes: Uint8Array): AuditHeadRequest {
  return decode(bytes, validateRequest, 'audit head request') as AuditHeadRequest
}

/** Decodes and checks a response frame. @throws FrameTooLargeError or FrameMalformedError. */
export function decodeAuditHeadResponse (bytes: Uint8Array): AuditHeadResponse {
  const isError = (message: unknown): boolean => (message as { type?: unknown } | null)?.type === 'error'
  return decode(bytes, message => isError(message) ? validateErrorFrame : validateResult, 'audit head response') as AuditHeadResponse
}

function decode (bytes: Uint8Array, pick: Validator | ((message: unknown) => Validator), what: string): unknown {
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    throw new errors.FrameTooLargeError(`${what} frame of ${bytes.byteLength} bytes exceeds the maximum of ${MAX_FRAME_BYTES} bytes`)
  }

  let message: unknown
  try {
    message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new errors.FrameMalformedError(`${what} frame is not UTF-8 JSON`, { cause: err })
  }

  const validator = typeof pick === 'function' ? pick(message) : pick
  if (!validator.Check(message)) {
    const [, problems] = validator.Errors(message)
    const { path, text } = describeProblem(problems)
    throw new errors.FrameMalformedError(`${what} frame is malformed at \`${path === '' ? '(frame)' : path}\`: ${text}`)
  }
  return message
}

/**
 * Picks the error to report: an unknown field by name, otherwise the error deepest in the
 * message, which is the most specific one.
 */
function describeProblem (problems: ReturnType<Validator['Errors']>[1]): { path: string, text: string } {
  const unknown = problems.find(p => p.keyword === 'additionalProperties')
  if (unknown !== undefined) {
    const names = (unknown.params as { additionalProperties?: string[] }).additionalProperties ?? []
    return { path: unknown.instancePath, text: `unknown field ${names.map(n => `\`${n}\``).join(', ')}` }
  }
  let deepest = problems[0]
  for (const problem of problems) {
    if (deepest === undefined || problem.instancePath.length > deepest.instancePath.length) deepest = problem
  }
  return { path: deepest?.instancePath ?? '', text: deepest?.message ?? 'invalid' }
}
