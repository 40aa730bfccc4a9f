import { RECORD_TYPES, errors } from '@ceasefire/protocol'
import { COPY_EXEMPTIONS } from '../policy/copies.ts'
import { URGENCY_GROUNDS } from './types.ts'
import type { RequestContent } from './types.ts'

/**
 * Languages a member works in when the membership file lists none. Every member state must
 * accept English (Directive (EU) 2023/977 Art. 11).
 */
export const DEFAULT_LANGUAGES = ['en']

/** A record id as the record schema defines it: `urn:nfp:<jurisdiction>:<type>:<local id>`. */
const RECORD_ID = /^urn:nfp:[a-z]{2}:[a-z]+:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** A top-level record field name that `informationSought.fields` may match on. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/

// Limits on the request content. They match the hit follow-up route's schema and leave a full
// request far below the 1 MiB frame limit. NOTE: they are design choices, not taken from the Directive.
const MAX_IDS = 100
const MAX_FIELDS = 20
const MAX_PERSONS = 50
const MAX_SHORT_TEXT = 500
const MAX_TEXT = 5000
const MAX_FACTS = 10000

/** Members each object of the request content may have; anything else is rejected, never forwarded. */
const MEMBERS: Record<string, readonly string[]> = {
  '': ['informationSought', 'purpose', 'availabilityReasons', 'persons', 'personLink', 'urgency', 'useRestrictions', 'language', 'europolCopy', 'spocCopyExemption'],
  informationSought: ['description', 'ids', 'types', 'fields'],
  purpose: ['description', 'facts', 'offence'],
  urgency: ['urgent', 'ground', 'reasons'],
  europolCopy: ['copy', 'reason']
}

/**
 * Checks that a request holds every element of Directive (EU) 2023/977 Art. 4(4) to 4(6) and
 * returns it typed. `languages` are the requested member's notified languages.
 *
 * @throws InformationRequestInvalidError naming the first missing or invalid element in
 *   `field` and the article in the message.
 */
export function validateRequestContent (input: unknown, languages: readonly string[]): RequestContent {
  const content = asObject(input, '', 'the request content')
  onlyMembers(content, '')
  const sought = asObject(content.informationSought, 'informationSought', 'Art. 4(5)(a)')
  onlyMembers(sought, 'informationSought')
  text(sought.description, 'informationSought.description', 'Art. 4(5)(a)', MAX_TEXT)
  optionalStrings(sought.ids, 'informationSought.ids', MAX_IDS, 200)
  for (const [index, id] of ((sought.ids ?? []) as string[]).entries()) {
    if (!RECORD_ID.test(id)) fail(`informationSought.ids.${index}`, 'Art. 4(5)(a)', 'is not a record id; use the form urn:nfp:<jurisdiction>:<type>:<local id>')
  }
  optionalStrings(sought.types, 'informationSought.types', RECORD_TYPES.length, 50)
  for (const [index, type] of ((sought.types ?? []) as string[]).entries()) {
    if (!(RECORD_TYPES as readonly string[]).includes(type)) fail(`informationSought.types.${index}`, 'Art. 4(5)(a)', `is not a record type; use one of ${RECORD_TYPES.join(', ')}`)
  }
  if (sought.fields !== undefined) {
    const fields = asObject(sought.fields, 'informationSought.fields', 'Art. 4(5)(a)')
    if (Object.keys(fields).length > MAX_FIELDS) fail('informationSought.fields', 'Art. 4(5)(a)', `names more than ${MAX_FIELDS} fields`)
    for (const [name, value] of Object.entries(fields)) {
      if (!FIELD_NAME.test(name)) fail('informationSought.fields', 'Art. 4(5)(a)', 'names a field that is not a record field name (a letter, then up to 63 letters and digits)')
      text(value, `informationSought.fields.${name}`, 'Art. 4(5)(a)', MAX_SHORT_TEXT)
    }
  }

  const purpose = asObject(content.purpose, 'purpose', 'Art. 4(5)(b)')
  onlyMembers(purpose, 'purpose')
  text(purpose.description, 'purpose.description', 'Art. 4(5)(b)', MAX_TEXT)
  text(purpose.facts, 'purpose.facts', 'Art. 4(5)(b)', MAX_FACTS)
  text(purpose.offence, 'purpose.offence', 'Art. 4(5)(b)', MAX_SHORT_TEXT)
  text(content.availabilityReasons, 'availabilityReasons', 'Art. 4(3)(b) and 4(5)(c)', MAX_TEXT)

  optionalStrings(content.persons, 'persons', MAX_PERSONS, MAX_SHORT_TEXT)
  if (Array.isArray(content.persons) && content.persons.length > 0) {
    text(content.personLink, 'personLink', 'Art. 4(5)(d), because the request names persons', MAX_TEXT)
  } else if (content.personLink !== undefined) {
    text(content.personLink, 'personLink', 'Art. 4(5)(d)', MAX_TEXT)
  }

  const urgency = asObject(content.urgency, 'urgency', 'Art. 4(4)')
  onlyMembers(urgency, 'urgency')
  if (typeof urgency.urgent !== 'boolean') fail('urgency.urgent', 'Art. 4(4)', 'must be true or false')
  if (urgency.urgent === true) {
    if (!(URGENCY_GROUNDS as readonly unknown[]).includes(urgency.ground)) {
      fail('urgency.ground', 'Art. 4(4)', `must be one of ${URGENCY_GROUNDS.join(', ')} for an urgent request`)
    }
    text(urgency.reasons, 'urgency.reasons', 'Art. 4(4) and 4(5)(e)', MAX_TEXT)
  }

  text(content.useRestrictions, 'useRestrictions', 'Art. 4(5)(f)', MAX_TEXT)
  text(content.language, 'language', 'Art. 4(6)', 10)
  if (!languages.includes(content.language as string)) {
    fail('language', 'Art. 4(6) and Art. 11', `\`${String(content.language)}\` is not a language the requested member notified; use one of ${languages.join(', ')}`)
  }

  const europol = asObject(content.europolCopy, 'europolCopy', 'Art. 12')
  onlyMembers(europol, 'europolCopy')
  if (typeof europol.copy !== 'boolean') fail('europolCopy.copy', 'Art. 12', 'must be true or false')
  text(europol.reason, 'europolCopy.reason', 'Art. 12', MAX_TEXT)
  if (content.spocCopyExemption !== undefined && !(COPY_EXEMPTIONS as readonly unknown[]).includes(content.spocCopyExemption)) {
    fail('spocCopyExemption', 'Art. 4(2)', `must be one of ${COPY_EXEMPTIONS.join(', ')} when present`)
  }
  return content as unknown as RequestContent
}

function asObject (value: unknown, field: string, article: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, article, 'is missing or not an object')
  return value as Record<string, unknown>
}

function onlyMembers (value: Record<string, unknown>, field: string): void {
  const allowed = MEMBERS[field] ?? []
  const unknown = Object.keys(value).find(name => !allowed.includes(name))
  if (unknown === undefined) return
  const path = field === '' ? unknown : `${field}.${unknown}`
  // The name is not quoted, because a request may put anything in it.
  throw new errors.InformationRequestInvalidError(`\`${field === '' ? 'content' : field}\` has a member that is not an element of a request for information; remove it. Allowed: ${allowed.join(', ')}`, { field: FIELD_NAME.test(unknown) ? path : (field === '' ? 'content' : field) })
}

function text (value: unknown, field: string, article: string, maxLength: number): void {
  if (typeof value !== 'string' || value.trim().length === 0) fail(field, article, 'is missing or empty')
  if (value.length > maxLength) fail(field, article, `is longer than ${maxLength} characters`)
}

function optionalStrings (value: unknown, field: string, maxItems: number, maxLength: number): void {
  if (value === undefined) return
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string' || v.length === 0)) {
    fail(field, 'Art. 4(5)', 'must be a list of non-empty strings')
  }
  if (value.length > maxItems) fail(field, 'Art. 4(5)', `lists more than ${maxItems} entries`)
  if (value.some(v => v.length > maxLength)) fail(field, 'Art. 4(5)', `has an entry longer than ${maxLength} characters`)
}

function fail (field: string, article: string, problem: string): never {
  const where = field === '' ? 'request' : `\`${field}\``
  throw new errors.InformationRequestInvalidError(`${where} ${problem} (Directive (EU) 2023/977 ${article})`, field === '' ? {} : { field })
}
