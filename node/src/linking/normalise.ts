/**
 * Normal forms of the identifiers and names that record linking compares.
 *
 * TODO: share code with protocol/src/normalise*.ts, which normalises serial numbers and
 * identifiers for hit/no-hit queries. Serial and VIN normalisation here should call it, so
 * that both features agree on what counts as the same identifier.
 */

/** Returns a serial number in upper case without spaces, dashes, dots or slashes: "ab-123 45" becomes "AB12345". */
export function normaliseSerial (serial: string): string {
  return serial.normalize('NFKC').toUpperCase().replace(/[\s\-./_]+/g, '')
}

/** Characters folded to one representative so that "B0O1" and "8OOI" share a blocking key. */
const FOLD: Record<string, string> = { 0: 'O', Q: 'O', D: 'O', 1: 'I', L: 'I', J: 'I', 5: 'S', 8: 'B', 2: 'Z', 6: 'G', 7: 'T', 4: 'A', 3: 'E' }

/** Returns the normalised serial with every look-alike character replaced by its group's letter. */
export function foldLookAlikes (normalised: string): string {
  let folded = ''
  for (const char of normalised) folded += FOLD[char] ?? char
  return folded
}

/** Digit and symbol substitutions that handles use for letters ("l33t"). */
const LEET: Record<string, string> = { 0: 'o', 1: 'i', 3: 'e', 4: 'a', 5: 's', 7: 't', 8: 'b', '@': 'a', $: 's', '!': 'i', '|': 'i' }

/** Affixes that sellers add to a taken or banned handle, removed before handles are compared. */
const HANDLE_AFFIXES = /^(?:the|real|official|mr|dr|its)(?=[a-z]{3})|(?:official|shop|store|market|team|uk|us|usa|eu|de|nl|se|real|original|new|backup|v\d)$/

/**
 * Returns the skeleton of an online handle: lower case, accents removed, digit and symbol
 * substitutions read as letters, separators and trailing digits dropped, and common affixes
 * such as "the", "official" or "shop" removed. "The_Gun-Dealer99" and "gundea1er" share the
 * skeleton "gundealer".
 */
export function handleSkeleton (handle: string): string {
  let text = stripAccents(handle).toLowerCase().replace(/[\s_.\-]+/g, '')
  text = text.replace(/\d+$/, '')
  let read = ''
  for (const char of text) read += LEET[char] ?? char
  read = read.replace(/[^a-z0-9]/g, '')
  for (let i = 0; i < 2; i++) read = read.replace(HANDLE_AFFIXES, '')
  return read
}

function stripAccents (text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '')
}

/** Latin spellings of Cyrillic and Greek letters, by the common passport-style romanisation. */
const ROMANISATION: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'i', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'iu', я: 'ia', і: 'i', ї: 'i', є: 'ie', ґ: 'g',
  α: 'a', β: 'v', γ: 'g', δ: 'd', ε: 'e', ζ: 'z', η: 'i', θ: 'th', ι: 'i', κ: 'k', λ: 'l', μ: 'm', ν: 'n', ξ: 'x', ο: 'o', π: 'p', ρ: 'r', σ: 's', ς: 's', τ: 't', υ: 'y', φ: 'f', χ: 'ch', ψ: 'ps', ω: 'o'
}

/** Spellings that differ between romanisation systems and languages, folded to one form. */
const SPELLING_FOLDS: Array<[RegExp, string]> = [
  [/ae/g, 'a'], [/oe/g, 'o'], [/ue/g, 'u'], [/ß/g, 'ss'],
  [/cz/g, 'ch'], [/sz/g, 'sh'], [/kh/g, 'h'], [/ch/g, 'h'],
  [/w/g, 'v'], [/ff$/g, 'v'], [/ph/g, 'f'], [/j/g, 'i'], [/y/g, 'i'],
  [/ks/g, 'x'], [/(.)\1/g, '$1']
]

/**
 * Returns a person's name in a form that is equal across common transliterations: Cyrillic and
 * Greek romanised, accents and case removed, and spelling variants such as "Iwanow",
 * "Ivanoff" and "Ivanov", or "Müller" and "Mueller", folded together.
 */
export function transliterateName (name: string): string {
  // German umlauts are written out before accents go, so "Müller" meets "Mueller"; Greek
  // "ου" is one sound, written "ou" in Latin script.
  const unaccented = stripAccents(name.toLowerCase().replace(/ü/g, 'ue').replace(/ö/g, 'oe').replace(/ä/g, 'ae')).replace(/ου/g, 'ou')
  let text = ''
  for (const char of unaccented) text += ROMANISATION[char] ?? char
  text = text.replace(/[^a-zß\s]/g, ' ').replace(/\s+/g, ' ').trim()
  for (const [pattern, replacement] of SPELLING_FOLDS) text = text.replace(pattern, replacement)
  return text
}

/** Returns a vehicle registration plate without spaces, dashes and case. */
export function normalisePlate (plate: string): string {
  return plate.toUpperCase().replace(/[^A-Z0-9]/g, '')
}

/**
 * Returns a wallet address in the form in which two addresses of a chain are equal. Ethereum
 * addresses are hexadecimal and compared without case, because the mixed case of EIP-55 is
 * only a checksum. Addresses of all other chains are case-sensitive and compared as written.
 */
export function normaliseWalletAddress (chain: string, address: string): string {
  const trimmed = address.trim()
  return chain === 'ethereum' ? trimmed.toLowerCase() : trimmed
}
