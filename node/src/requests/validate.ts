import { errors } from '@ceasefire/protocol'
import { COPY_EXEMPTIONS } from '../policy/copies.ts'
import { URGENCY_GROUNDS } from './types.ts'
import type { RequestContent } from './types.ts'

/**
 * Languages a member works in when the membership file lists none. Every member state must
 * accept English (Directive (EU) 2023/977 Art. 11).
 */
export const DEFAULT_LANGUAGES = ['en']

/**
 * Checks that a request holds every element of Directive (EU) 2023/977 Art. 4(4) to 4(6) and
 * returns it typed. `languages` are the requested member's notified languages.
 *
 * @throws InformationRequestInvalidError naming the first missing or invalid element in
 *   `field` and the article in the message.
 */
export function validateRequestContent (input: unknown, languages: readonly string[]): RequestContent {
  const content = asObject(input, '', 'the request content')
  const sought = asObject(content.informationSought, 'informationSought', 'Art. 4(5)(a)')
  text(sought.description, 'informationSought.description', 'Art. 4(5)(a)')
  optionalStrings(sought.ids, 'informationSought.ids')
  optionalStrings(sought.types, 'informationSought.types')
  if (sought.fields !== undefined) {
    const fields = asObject(sought.fields, 'informationSought.fields', 'Art. 4(5)(a)')
    for (const [name, value] of Object.entries(fields)) text(value, `informationSought.fields.${name}`, 'Art. 4(5)(a)')
  }

  const purpose = asObject(content.purpose, 'purpose', 'Art. 4(5)(b)')
  text(purpose.description, 'purpose.description', 'Art. 4(5)(b)')
  text(purpose.facts, 'purpose.facts', 'Art. 4(5)(b)')
  text(purpose.offence, 'purpose.offence', 'Art. 4(5)(b)')
  text(content.availabilityReasons, 'availabilityReasons', 'Art. 4(3)(b) and 4(5)(c)')

  optionalStrings(content.persons, 'persons')
  if (Array.isArray(content.persons) && content.persons.length > 0) {
    text(content.personLink, 'personLink', 'Art. 4(5)(d), because the request names persons')
  }

  const urgency = asObject(content.urgency, 'urgency', 'Art. 4(4)')
  if (typeof urgency.urgent !== 'boolean') fail('urgency.urgent', 'Art. 4(4)', 'must be true or false')
  if (urgency.urgent === true) {
    if (!(URGENCY_GROUNDS as readonly unknown[]).includes(urgency.ground)) {
      fail('urgency.ground', 'Art. 4(4)', `must be one of ${URGENCY_GROUNDS.join(', ')} for an urgent request`)
    }
    text(urgency.reasons, 'urgency.reasons', 'Art. 4(4) and 4(5)(e)')
  }

  text(content.useRestrictions, 'useRestrictions', 'Art. 4(5)(f)')
  text(content.language, 'language', 'Art. 4(6)')
  if (!languages.includes(content.language as string)) {
    fail('language', 'Art. 4(6) and Art. 11', `\`${String(content.language)}\` is not a language the requested member notified; use one of ${languages.join(', ')}`)
  }

  const europol = asObject(content.europolCopy, 'europolCopy', 'Art. 12')
  if (typeof europol.copy !== 'boolean') fail('europolCopy.copy', 'Art. 12', 'must be true or false')
  text(europol.reason, 'europolCopy.reason', 'Art. 12')
  if (content.spocCopyExemption !== undefined && !(COPY_EXEMPTIONS as readonly unknown[]).includes(content.spocCopyExemption)) {
    fail('spocCopyExemption', 'Art. 4(2)', `must be one of ${COPY_EXEMPTIONS.join(', ')} when present`)
  }
  return content as unknown as RequestContent
}

function asObject (value: unknown, field: string, article: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, article, 'is missing or not an object')
  return value as Record<string, unknown>
}

function text (value: unknown, field: string, article: string): void {
  if (typeof value !== 'string' || value.trim().length === 0) fail(field, article, 'is missing or empty')
}

function optionalStrings (value: unknown, field: string): void {
  if (value === undefined) return
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string' || v.length === 0)) {
    fail(field, 'Art. 4(5)', 'must be a list of non-empty strings')
  }
}

function fail (field: string, article: string, problem: string): never {
  const where = field === '' ? 'request' : `\`${field}\``
  throw new errors.InformationRequestInvalidError(`${where} ${problem} (Directive (EU) 2023/977 ${article})`, field === '' ? {} : { field })
}
