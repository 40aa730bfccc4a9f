/**
 * Normalisation of identifiers for hit/no-hit queries (SPEC.md section 10.1). Every node treats
 * two values with the same normal form as one identifier, so each rule here is part of the
 * protocol. The vectors in `conformance/vectors/normalisation/` pin the rules down.
 */
import { IdentifierInvalidError, IdentifierTypeUnknownError } from './errors.ts'
import { compatible, foldHomoglyphs, stripDiacritics, transliterate, upper } from './normalise-text.ts'
import { normaliseVin } from './normalise-vin.ts'
import { normaliseWalletAddress } from './normalise-wallet.ts'

/** Identifier types that a node indexes and responds to hit queries for. */
export const IDENTIFIER_TYPES = ['firearm-serial', 'wallet-address', 'online-handle', 'vin', 'plate', 'person'] as const

export type IdentifierType = typeof IDENTIFIER_TYPES[number]

/** An identifier as an operator or a record gives it, before normalisation. */
export type IdentifierInput =
  | { type: 'firearm-serial', serialNumber: string, make: string }
  | { type: 'wallet-address', address: string, chain: string }
  | { type: 'online-handle', handle: string, platform: string }
  | { type: 'vin', vin: string }
  | { type: 'plate', plate: string, country: string }
  | { type: 'person', familyName: string, givenNames?: string, birthDate: string }

/** An identifier in the normal form every node computes the same way. */
export interface NormalisedIdentifier {
  type: IdentifierType
  normalised: string
}

/**
 * Look-alike characters in serial numbers, read as the digit they resemble. Stamped and
 * engraved serials are often misread this way, and the digit side is chosen because most
 * serials are mostly digits.
 */
const SERIAL_LOOK_ALIKES: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1', S: '5', B: '8', Z: '2' }

/** Platform names that are spelt in more than one way, mapped to one name. */
const PLATFORM_ALIASES: Readonly<Record<string, string>> = {
  'twitter': 'x',
  'twitter.com': 'x',
  'x.com': 'x',
  't.me': 'telegram',
  'telegram.org': 'telegram',
  'facebook.com': 'facebook',
  'instagram.com': 'instagram'
}

const MAX_LENGTH = { serial: 64, make: 100, handle: 200, platform: 100, plate: 20, name: 200 }

/**
 * Normalises one identifier.
 *
 * @throws IdentifierTypeUnknownError for a type outside IDENTIFIER_TYPES, IdentifierInvalidError
 *   for a value that is empty, too long or has characters its type does not allow, and
 *   IdentifierChecksumError for a wallet address or VIN whose checksum fails.
 */
export function normaliseIdentifier (input: IdentifierInput): NormalisedIdentifier {
  const value = input as unknown as Record<string, unknown>
  switch (input.type) {
    case 'firearm-serial':
      return { type: input.type, normalised: `${normaliseMake(text(value, 'make'))}:${normaliseSerial(text(value, 'serialNumber'))}` }
    case 'wallet-address': {
      const chain = compatible(text(value, 'chain')).toLowerCase()
      return { type: input.type, normalised: `${chain}:${normaliseWalletAddress(compatible(text(value, 'address')), chain)}` }
    }
    case 'online-handle':
      return { type: input.type, normalised: `${normalisePlatform(text(value, 'platform'))}:${normaliseHandle(text(value, 'handle'))}` }
    case 'vin':
      return { type: input.type, normalised: normaliseVin(text(value, 'vin')) }
    case 'plate':
      return { type: input.type, normalised: `${normaliseCountry(text(value, 'country'))}:${normalisePlate(text(value, 'plate'))}` }
    case 'person':
      return { type: input.type, normalised: normalisePerson(text(value, 'familyName'), value.givenNames === undefined ? '' : text(value, 'givenNames'), text(value, 'birthDate')) }
    default:
      throw new IdentifierTypeUnknownError(`identifier type ${JSON.stringify(value.type)} is unknown; use one of ${IDENTIFIER_TYPES.join(', ')}`, { field: 'type' })
  }
}

/**
 * Returns the OPRF input for a normalised identifier: `nfp-hit-v1`, the type and the
 * normalised text, separated by zero bytes and encoded as UTF-8.
 */
export function oprfInputOf (identifier: NormalisedIdentifier): Uint8Array {
  return new TextEncoder().encode(`nfp-hit-v1\u0000${identifier.type}\u0000${identifier.normalised}`)
}

/**
 * Characters no identifier field may contain: control characters other than white space, format
 * characters (Unicode category Cf, such as U+200B zero-width space, U+00AD soft hyphen and U+FEFF)
 * and lone surrogates. An operator cannot see them, so a value that contains one would miss a
 * record that looks the same. They are rejected rather than stripped, so no value is changed
 * without the operator seeing it.
 */
const INVISIBLE_CHARACTER = /[\p{Cf}\p{Cs}]|(?![\t\n\v\f\r\u0085])\p{Cc}/u

function text (value: Record<string, unknown>, field: string): string {
  const member = value[field]
  if (typeof member !== 'string' || member.trim() === '') {
    throw new IdentifierInvalidError(`identifier of type ${String(value.type)} needs a non-empty text \`${field}\``, { field })
  }
  if (INVISIBLE_CHARACTER.test(member)) {
    throw new IdentifierInvalidError(`\`${field}\` of the ${String(value.type)} identifier contains a control character, an invisible format character (such as a zero-width space or a byte order mark) or a lone surrogate; send the value as it is printed`, { field })
  }
  return member
}

/** Code text as written on an object: NFKC, upper case, no diacritics, Cyrillic and Greek look-alikes read as Latin. */
function foldCode (value: string): string {
  return foldHomoglyphs(stripDiacritics(upper(compatible(value))))
}

function normaliseSerial (serial: string): string {
  const code = foldCode(serial).replace(/[\s\-‐‑‒–—./_:#]+/g, '')
  if (!/^[A-Z0-9]+$/.test(code) || code.length > MAX_LENGTH.serial) {
    throw new IdentifierInvalidError(`the serial number in \`serialNumber\` must be at most ${MAX_LENGTH.serial} Latin letters and digits after removing spaces and separators; letters of other scripts are allowed only where they look like a Latin letter`, { field: 'serialNumber' })
  }
  return [...code].map(char => SERIAL_LOOK_ALIKES[char] ?? char).join('')
}

/** Legal forms at the end of a maker's name, removed so that `Glock GmbH` and `Glock` match. */
const LEGAL_FORM = /[\s,]+(GMBH|AG|KG|SPA|S\.P\.A\.?|SA|S\.A\.?|AS|A\.S\.?|SRO|S\.R\.O\.?|INC\.?|LTD\.?|LLC|CORP\.?|CO\.?|OY|AB)$/

function normaliseMake (make: string): string {
  let name = foldCode(make)
  while (LEGAL_FORM.test(name)) name = name.replace(LEGAL_FORM, '')
  const code = name.replace(/[^\p{L}\p{N}]+/gu, '')
  if (!/^[A-Z0-9]+$/.test(code) || code.length > MAX_LENGTH.make) {
    throw new IdentifierInvalidError(`the make in \`make\` must be at most ${MAX_LENGTH.make} Latin letters and digits after removing spaces and punctuation`, { field: 'make' })
  }
  return code
}

function normaliseHandle (handle: string): string {
  const plain = compatible(handle).replace(/^@/, '').toLowerCase()
  if (plain === '' || /\s/u.test(plain) || plain.length > MAX_LENGTH.handle) {
    throw new IdentifierInvalidError(`the handle in \`handle\` must be 1 to ${MAX_LENGTH.handle} characters without spaces (a leading @ is removed)`, { field: 'handle' })
  }
  return plain
}

function normalisePlatform (platform: string): string {
  const plain = compatible(platform).toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/\/+$/, '')
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(plain) || plain.length > MAX_LENGTH.platform) {
    throw new IdentifierInvalidError(`the platform in \`platform\` must be a name or domain of Latin letters, digits, dots and hyphens`, { field: 'platform' })
  }
  return PLATFORM_ALIASES[plain] ?? plain
}

function normalisePlate (plate: string): string {
  // Plates keep their diacritics (German plates use Ä, Ö and Ü) and no look-alikes are folded,
  // because O and 0 are different characters on some countries' plates.
  const code = foldHomoglyphs(upper(compatible(plate)).normalize('NFC')).replace(/[\s\-‐‑‒–—.·:]+/gu, '')
  if (!/^[\p{L}\p{N}]+$/u.test(code) || code.length > MAX_LENGTH.plate) {
    throw new IdentifierInvalidError(`the plate in \`plate\` must be at most ${MAX_LENGTH.plate} letters and digits after removing spaces and separators`, { field: 'plate' })
  }
  return code
}

function normaliseCountry (country: string): string {
  const code = compatible(country).toUpperCase()
  if (!/^[A-Z]{2}$/.test(code)) {
    throw new IdentifierInvalidError(`country ${JSON.stringify(country)} must be an ISO 3166-1 alpha-2 code such as DE`, { field: 'country' })
  }
  return code
}

/**
 * Builds the person key: the date of birth, then every name token of the family and given
 * names, transliterated to Latin capitals and sorted, so the order in which names were
 * recorded does not matter.
 */
function normalisePerson (familyName: string, givenNames: string, birthDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate) || Number.isNaN(Date.parse(`${birthDate}T00:00:00Z`)) || new Date(`${birthDate}T00:00:00Z`).toISOString().slice(0, 10) !== birthDate) {
    throw new IdentifierInvalidError(`the birth date in \`birthDate\` must be a valid calendar date YYYY-MM-DD; partial dates are not supported`, { field: 'birthDate' })
  }
  const tokens = [...nameTokens(familyName, 'familyName'), ...nameTokens(givenNames, 'givenNames')].sort()
  return `${birthDate}:${tokens.join(' ')}`
}

function nameTokens (name: string, field: string): string[] {
  if (name === '') return []
  const latin = transliterate(stripDiacritics(upper(compatible(name))))
  const letters = latin.match(/\p{L}/gu) ?? []
  if (letters.some(letter => !/^[A-Z]$/.test(letter))) {
    throw new IdentifierInvalidError(`the name in \`${field}\` contains letters outside the Latin, Cyrillic and Greek scripts, for which no transliteration is defined`, { field })
  }
  if (latin.length > MAX_LENGTH.name) throw new IdentifierInvalidError(`the name in \`${field}\` is longer than ${MAX_LENGTH.name} characters`, { field })
  const tokens = latin.replace(/[’']/g, '').split(/[^A-Z]+/).filter(token => token !== '')
  if (tokens.length === 0) throw new IdentifierInvalidError(`the name in \`${field}\` contains no letters`, { field })
  return tokens
}
