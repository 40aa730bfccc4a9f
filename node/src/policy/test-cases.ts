import { readFileSync } from 'node:fs'
import { PolicyInvalidError } from '../../../protocol/src/errors.ts'
import { jsonPointer, parsePolicyJson } from './json-text.ts'
import type { JsonDocument } from './json-text.ts'
import { fail, isObject } from './problem.ts'
import { APPROVER_ROLES, HANDLING_CODE_ORDER, SECTIONS } from './types.ts'
import type { ApproverRole, DecisionEffect, HandlingCode, InformationRequest, Section, SourcePosition } from './types.ts'

/** Expected decision of a case. Lists compare without regard to order. */
export interface CaseExpectation {
  readonly effect: DecisionEffect
  /** Ids of the rules that decide: `reasons[].ruleId` of the decision. */
  readonly rules: readonly string[]
  readonly removedFields: readonly string[]
  /** Ids of the withheld linked records. */
  readonly withheldLinks: readonly string[]
  readonly attached: { readonly reviewBy?: string, readonly noOnwardSharingWithoutConsent?: true, readonly handlingCode?: HandlingCode }
  readonly approvers: readonly ApproverRole[]
  /** Ids of rules expected to fail to evaluate. */
  readonly errors: readonly string[]
}

/** One case of a `tests.json` file, with names resolved and patches applied. */
export interface PolicyCase {
  readonly name: string
  readonly section: Section
  readonly record: Record<string, unknown>
  /** The record is meant to break its schema, to test a rule against malformed input. */
  readonly recordValid: boolean
  readonly self: string
  /** The recipient (outbound), the sender (inbound) or the requester (request). */
  readonly counterpart: string
  readonly request?: InformationRequest
  readonly linked: ReadonlyMap<string, unknown>
  readonly now: Date
  readonly expect: CaseExpectation
  readonly position: SourcePosition
}

const FILE_KEYS = ['records', 'cases']
const CASE_KEYS = ['name', 'section', 'record', 'patch', 'recordValid', 'self', 'recipient', 'sender', 'request', 'peer', 'linked', 'now', 'expect']
const EXPECT_KEYS = ['effect', 'rules', 'removedFields', 'withheldLinks', 'attached', 'approvers', 'errors']
const REQUEST_KEYS = ['requester', 'purpose', 'offence', 'urgent']
const ATTACHED_KEYS = ['reviewBy', 'noOnwardSharingWithoutConsent', 'handlingCode']
// An index decision has no counterpart, so its cases name only `self`.
const COUNTERPART_KEY: Readonly<Record<Section, string>> = { outbound: 'recipient', inbound: 'sender', request: 'request', initiative: 'peer', index: 'self' }
const COUNTRY_CODE = /^[A-Z]{2}$/

/**
 * Reads a `tests.json` file. A case's `record` (and each entry of `linked`) is a record, or the
 * name of one in the file's `records`. `patch` changes the record as a JSON merge patch
 * (RFC 7396), where `null` removes a field.
 *
 * @throws PolicyInvalidError naming file, line and column of the first malformed case.
 */
export function readPolicyCases (file: string): PolicyCase[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new PolicyInvalidError(`${file}: failed to read test cases: ${(error as Error).message}`, { cause: error })
  }
  const document = parsePolicyJson(text.startsWith('\uFEFF') ? text.slice(1) : text, file)
  const content = document.value
  if (!isObject(content)) fail({ document, pointer: '' }, 'a tests file must be a JSON object with "cases"')
  rejectUnknownKeys(content, FILE_KEYS, document, '')

  const records = content.records ?? {}
  if (!isObject(records) || Object.values(records).some(record => !isObject(record))) fail({ document, pointer: '/records' }, 'must map names to records')
  const cases = content.cases
  if (!Array.isArray(cases) || cases.length === 0) fail({ document, pointer: '/cases' }, 'must be a non-empty list of cases')

  const names = new Set<string>()
  return cases.map((entry, index) => {
    const policyCase = readCase(entry, jsonPointer('cases', index), document, records)
    if (names.has(policyCase.name)) fail({ document, pointer: jsonPointer('cases', index, 'name') }, `case name "${policyCase.name}" is used twice`)
    names.add(policyCase.name)
    return policyCase
  })
}

function readCase (entry: unknown, pointer: string, document: JsonDocument, records: Record<string, unknown>): PolicyCase {
  const at = (...path: Array<string | number>): { document: JsonDocument, pointer: string } => ({ document, pointer: pointer + jsonPointer(...path) })
  if (!isObject(entry)) fail(at(), 'a case must be a JSON object')
  rejectUnknownKeys(entry, CASE_KEYS, document, pointer)

  if (typeof entry.name !== 'string' || entry.name.trim() === '') fail(at('name'), 'must be a non-empty name')
  const section = entry.section
  if (!(SECTIONS as readonly unknown[]).includes(section)) fail(at('section'), `must be one of ${SECTIONS.join(', ')}, got ${JSON.stringify(section)}`)
  const counterpartKey = COUNTERPART_KEY[section as Section]
  for (const key of Object.values(COUNTERPART_KEY)) {
    if (key !== counterpartKey && key !== 'self' && entry[key] !== undefined) fail({ ...at(key), key: true }, `a case of the ${String(section)} section has no "${key}"; use "${counterpartKey}"`)
  }

  const base = resolveRecord(entry.record, records, at('record'))
  const record = entry.patch === undefined ? base : mergePatch(base, entry.patch) as Record<string, unknown>
  if (!isObject(record)) fail(at('patch'), 'the patched record must still be a JSON object')
  const self = countryCode(entry.self, at('self'))
  const request = section === 'request' ? readRequest(entry.request, at) : undefined
  const counterpart = request?.requester.jurisdiction ?? countryCode(entry[counterpartKey], at(counterpartKey))

  const linkedList = entry.linked ?? []
  if (!Array.isArray(linkedList)) fail(at('linked'), 'must be a list of records or names of records')
  const linked = new Map<string, unknown>()
  linkedList.forEach((item, index) => {
    const linkedRecord = resolveRecord(item, records, at('linked', index))
    if (typeof linkedRecord.id !== 'string') fail(at('linked', index), 'a linked record needs an id')
    linked.set(linkedRecord.id, linkedRecord)
  })

  const now = entry.now
  if (typeof now !== 'string' || !/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(now) || Number.isNaN(Date.parse(now))) {
    fail(at('now'), `must be a date-time with a time zone, such as "2026-12-04T10:00:00Z", got ${JSON.stringify(now)}`)
  }
  if (entry.recordValid !== undefined && typeof entry.recordValid !== 'boolean') fail(at('recordValid'), 'must be true or false')

  return {
    name: entry.name,
    section: section as Section,
    record,
    recordValid: entry.recordValid !== false,
    self,
    counterpart,
    ...(request === undefined ? {} : { request }),
    linked,
    now: new Date(now),
    expect: readExpectation(entry.expect, at),
    position: document.locate(pointer)
  }
}

function resolveRecord (value: unknown, records: Record<string, unknown>, site: { document: JsonDocument, pointer: string }): Record<string, unknown> {
  if (typeof value === 'string') {
    const named = records[value]
    if (named === undefined) fail(site, `no record named "${value}" in "records"; names: ${Object.keys(records).join(', ')}`)
    return structuredClone(named) as Record<string, unknown>
  }
  if (!isObject(value)) fail(site, 'must be a record or the name of one in "records"')
  return structuredClone(value)
}

/** Applies a JSON merge patch (RFC 7396). */
function mergePatch (target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = mergePatch(result[key], value)
  }
  return result
}

function readRequest (value: unknown, at: (...path: Array<string | number>) => { document: JsonDocument, pointer: string }): InformationRequest {
  if (!isObject(value)) fail(at('request'), 'a case of the request section needs "request": { "requester", "purpose", "offence", "urgent" }')
  rejectUnknownKeys(value, REQUEST_KEYS, at().document, at('request').pointer)
  for (const key of ['purpose', 'offence']) {
    if (typeof value[key] !== 'string') fail(at('request', key), 'must be text (it may be empty)')
  }
  if (typeof value.urgent !== 'boolean') fail(at('request', 'urgent'), 'must be true or false')
  return {
    requester: { jurisdiction: countryCode(value.requester, at('request', 'requester')) },
    purpose: value.purpose as string,
    offence: value.offence as string,
    urgent: value.urgent
  }
}

function readExpectation (value: unknown, at: (...path: Array<string | number>) => { document: JsonDocument, pointer: string }): CaseExpectation {
  if (!isObject(value)) fail(at('expect'), 'must be an object with at least "effect" and "rules"')
  rejectUnknownKeys(value, EXPECT_KEYS, at().document, at('expect').pointer)
  if (!['permit', 'deny', 'require-approval'].includes(value.effect as string)) fail(at('expect', 'effect'), `must be permit, deny or require-approval, got ${JSON.stringify(value.effect)}`)

  const list = (key: string, required: boolean): string[] => {
    const items = value[key]
    if (items === undefined && !required) return []
    if (!Array.isArray(items) || items.some(item => typeof item !== 'string')) fail(at('expect', key), 'must be a list of strings')
    return items as string[]
  }
  const approvers = list('approvers', false)
  approvers.forEach((role, index) => {
    if (!(APPROVER_ROLES as readonly string[]).includes(role)) fail(at('expect', 'approvers', index), `unknown approver "${role}"; use one of ${APPROVER_ROLES.join(', ')}`)
  })

  const attached = value.attached ?? {}
  if (!isObject(attached)) fail(at('expect', 'attached'), 'must be an object')
  rejectUnknownKeys(attached, ATTACHED_KEYS, at().document, at('expect', 'attached').pointer)
  if (attached.reviewBy !== undefined && (typeof attached.reviewBy !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(attached.reviewBy))) {
    fail(at('expect', 'attached', 'reviewBy'), 'must be a date written YYYY-MM-DD')
  }
  if (attached.noOnwardSharingWithoutConsent !== undefined && attached.noOnwardSharingWithoutConsent !== true) {
    fail(at('expect', 'attached', 'noOnwardSharingWithoutConsent'), 'must be true, or left out')
  }
  if (attached.handlingCode !== undefined && !(HANDLING_CODE_ORDER as readonly unknown[]).includes(attached.handlingCode)) {
    fail(at('expect', 'attached', 'handlingCode'), `must be one of ${HANDLING_CODE_ORDER.join(', ')}`)
  }

  return {
    effect: value.effect as DecisionEffect,
    rules: list('rules', true),
    removedFields: list('removedFields', false),
    withheldLinks: list('withheldLinks', false),
    attached: attached as CaseExpectation['attached'],
    approvers: approvers as ApproverRole[],
    errors: list('errors', false)
  }
}

function countryCode (value: unknown, site: { document: JsonDocument, pointer: string }): string {
  if (typeof value !== 'string' || !COUNTRY_CODE.test(value)) fail(site, `must be an upper-case country code such as "SE", got ${JSON.stringify(value)}`)
  return value
}

function rejectUnknownKeys (value: Record<string, unknown>, allowed: readonly string[], document: JsonDocument, pointer: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail({ document, pointer: pointer + jsonPointer(key), key: true }, `unknown key "${key}"; allowed keys: ${allowed.join(', ')}`)
  }
}
