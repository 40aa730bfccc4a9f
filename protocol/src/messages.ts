import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { FrameMalformedError, FrameTooLargeError } from './errors.ts'
import { MAX_FRAME_BYTES } from './constants.ts'
import { createAjv } from './lib/ajv.ts'
import type { AnySignedRecord } from './signature-v2/types.ts'

/**
 * One step of a record's path: the node `jurisdiction` sent it to `to` at `at`. `batch` is the
 * hop batch statement that node signed once for all records it sent to `to` together. `index`
 * and `proof` lead from this record's hop leaf (id, version hash, `removed`) to its root.
 */
export interface Hop {
  jurisdiction: string
  to: string
  at: string
  /** Compact JWS (`typ` nfp-hop-batch+jws) over the hop batch statement. */
  batch: string
  /** Position of this record's leaf in the hop batch tree. */
  index: number
  /** Sibling hashes from the leaf up to the root, base64url, as in RFC 9162 section 2.1.3. */
  proof: string[]
  /** JSON Pointers of the units this node removed before sending, sorted; absent when none. */
  removed?: string[]
}

/** A record offered to the receiver, with its signed path (originator first, sender last). */
export interface RecordItem {
  kind: 'record'
  signed: AnySignedRecord
  hops: Hop[]
}

/** A revocation statement signed by the record's originator. */
export interface RevocationItem {
  kind: 'revocation'
  revocation: string
}

/** A deletion receipt statement signed by a node that deleted a record. */
export interface DeletionItem {
  kind: 'deletion'
  deletion: string
}

export type ShareItem = RecordItem | RevocationItem | DeletionItem

/**
 * Request frame of `/nfp/share/2.0.0`. Items carry the consecutive sequence numbers
 * `seqFrom`, `seqFrom + 1`, … of the sender-to-receiver direction.
 */
export interface ShareRequest {
  type: 'share'
  messageId: string
  sender: string
  receiver: string
  sentAt: string
  seqFrom: number
  items: ShareItem[]
}

/** Outcome for one item of a share request, in request order. */
export interface ShareItemResult {
  index: number
  id?: string
  versionHash?: string
  status: 'stored' | 'unchanged' | 'held' | 'rejected' | 'deleted' | 'accepted'
  code?: string
  message?: string
}

export interface ShareResult {
  type: 'share-result'
  messageId: string
  receiver: string
  results: ShareItemResult[]
  /** Receipt statement signed by the receiver over the message id, sequence range and results. */
  receipt: string
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
