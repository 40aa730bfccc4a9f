import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { FrameMalformedError, FrameTooLargeError } from './errors.ts'
import { MAX_FRAME_BYTES } from './constants.ts'
import { createAjv } from './lib/ajv.ts'
import type { SignedRecord } from './signature.ts'

/** A node that held a record before the current sender, originator first. */
export interface Hop {
  jurisdiction: string
  at: string
}

/** One record in a share request. */
export interface ShareItem {
  signed: SignedRecord
  hops: Hop[]
}

/** Request frame of `/nfp/share/1.0.0`: the sender offers signed records to the receiver. */
export interface ShareRequest {
  type: 'share'
  messageId: string
  sender: string
  sentAt: string
  items: ShareItem[]
}

/** Outcome for one item of a share request, in request order. */
export interface ShareItemResult {
  index: number
  id?: string
  versionHash?: string
  status: 'stored' | 'unchanged' | 'rejected'
  code?: string
  message?: string
}

export interface ShareResult {
  type: 'share-result'
  messageId: string
  receiver: string
  results: ShareItemResult[]
}

/** Sent instead of a result when the whole frame is refused. */
export interface ErrorFrame {
  type: 'error'
  messageId?: string
  code: string
  message: string
}

export type ShareResponse = ShareResult | ErrorFrame

const ajv = createAjv()
const validateRequest = compile('share-request.schema.json')
const validateResponse = compile('share-response.schema.json')

function compile (file: string): ValidateFunction {
  const schema = JSON.parse(readFileSync(new URL(`../schemas/messages/${file}`, import.meta.url), 'utf8')) as object
  return ajv.compile(schema)
}

/** Encodes a message as the UTF-8 JSON body of one frame. */
export function encodeFrame (message: ShareRequest | ShareResponse): Uint8Array {
  const bytes = new TextEncoder().encode(JSON.stringify(message))
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    throw new FrameTooLargeError(`frame of ${bytes.byteLength} bytes exceeds the maximum of ${MAX_FRAME_BYTES} bytes; send fewer records per message`)
  }
  return bytes
}

/** Decodes and checks a share request frame. */
export function decodeShareRequest (bytes: Uint8Array): ShareRequest {
  return decode(bytes, validateRequest, 'share request') as ShareRequest
}

/** Decodes and checks a share response frame. */
export function decodeShareResponse (bytes: Uint8Array): ShareResponse {
  return decode(bytes, validateResponse, 'share response') as ShareResponse
}

function decode (bytes: Uint8Array, validate: ValidateFunction, what: string): unknown {
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    throw new FrameTooLargeError(`${what} frame of ${bytes.byteLength} bytes exceeds the maximum of ${MAX_FRAME_BYTES} bytes`)
  }

  let message: unknown
  try {
    message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new FrameMalformedError(`${what} frame is not UTF-8 JSON`, { cause: err })
  }

  if (!validate(message)) {
    const first = (validate.errors ?? [])[0]
    const where = first?.instancePath === undefined || first.instancePath === '' ? '(frame)' : first.instancePath
    throw new FrameMalformedError(`${what} frame is malformed at \`${where}\`: ${first?.message ?? 'invalid'}`)
  }
  return message
}
