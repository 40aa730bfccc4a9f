/**
 * Character tables shared by the identifier normalisers (SPEC.md section 10.1). Each table is
 * part of the protocol: changing one changes which identifiers match.
 */

/**
 * Cyrillic and Greek capitals that look like a Latin capital, mapped to it. Used for codes
 * (serial numbers, plates, handles), where a Cyrillic `А` typed instead of a Latin `A` is the
 * same mark on the object. Lower-case letters reach this table after upper-casing.
 */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  // Cyrillic
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', У: 'Y', Х: 'X',
  І: 'I', Ј: 'J', Ѕ: 'S', Ԛ: 'Q', Ԝ: 'W', Ү: 'Y',
  // Greek
  Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T',
  Υ: 'Y', Χ: 'X'
}

/**
 * Transliteration of Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian and
 * Macedonian letters) to Latin for names, upper case.
 * NOTE: modelled on the ICAO Doc 9303 passport table from memory; not yet checked against it.
 */
const CYRILLIC_TO_LATIN: Readonly<Record<string, string>> = {
  А: 'A', Б: 'B', В: 'V', Г: 'G', Ґ: 'G', Д: 'D', Ђ: 'D', Е: 'E', Ё: 'E', Є: 'IE', Ж: 'ZH', З: 'Z',
  Ѕ: 'DZ', И: 'I', І: 'I', Ї: 'I', Й: 'I', Ј: 'J', К: 'K', Л: 'L', Љ: 'LJ', М: 'M', Н: 'N', Њ: 'NJ',
  О: 'O', П: 'P', Р: 'R', С: 'S', Т: 'T', Ћ: 'C', Ќ: 'K', У: 'U', Ў: 'U', Ф: 'F', Х: 'KH', Ц: 'TS',
  Ч: 'CH', Џ: 'DZ', Ш: 'SH', Щ: 'SHCH', Ъ: 'IE', Ы: 'Y', Ь: '', Э: 'E', Ю: 'IU', Я: 'IA'
}

/**
 * Transliteration of Greek to Latin for names, upper case, modelled on ELOT 743 without its
 * digraph rules other than ΟΥ. NOTE: not yet checked against the standard's text.
 */
const GREEK_TO_LATIN: Readonly<Record<string, string>> = {
  Α: 'A', Β: 'V', Γ: 'G', Δ: 'D', Ε: 'E', Ζ: 'Z', Η: 'I', Θ: 'TH', Ι: 'I', Κ: 'K', Λ: 'L', Μ: 'M',
  Ν: 'N', Ξ: 'X', Ο: 'O', Π: 'P', Ρ: 'R', Σ: 'S', Τ: 'T', Υ: 'Y', Φ: 'F', Χ: 'CH', Ψ: 'PS', Ω: 'O'
}

/** Latin letters that Unicode does not decompose into a base letter and a mark. */
const LATIN_SPECIAL: Readonly<Record<string, string>> = {
  ß: 'SS', ẞ: 'SS', Æ: 'AE', Œ: 'OE', Ø: 'O', Ł: 'L', Đ: 'D', Þ: 'TH', Ð: 'D', Ħ: 'H', Ŋ: 'NG', ı: 'I'
}

/** Upper-cases without locale rules, so a Turkish `i` and every other `i` give `I`. */
export function upper (text: string): string {
  return text.toUpperCase()
}

/** Removes combining marks after canonical decomposition: `É` becomes `E`. */
export function stripDiacritics (text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC')
}

/** Replaces Cyrillic and Greek look-alikes of Latin capitals in upper-case text. */
export function foldHomoglyphs (text: string): string {
  let result = ''
  for (const char of text) result += HOMOGLYPHS[char] ?? char
  return result
}

/**
 * Transliterates upper-case Cyrillic and Greek text to Latin and spells out the Latin letters
 * of `LATIN_SPECIAL`. Diacritics must be removed before, because `Й` and `Ё` are handled as
 * their base letters `И` and `Е` then.
 */
export function transliterate (text: string): string {
  let result = ''
  // ELOT 743 writes the Greek digraph ΟΥ as OU; every other letter maps on its own.
  text = text.replace(/ΟΥ/g, 'OU')
  for (const char of text) result += CYRILLIC_TO_LATIN[char] ?? GREEK_TO_LATIN[char] ?? LATIN_SPECIAL[char] ?? LATIN_SPECIAL[char.toLowerCase()] ?? char
  return result
}

/**
 * Applies Unicode NFKC and removes leading and trailing white space. NFKC turns full-width
 * forms (`ＡＢＣ１２３`), ligatures and other compatibility characters into their plain forms.
 */
export function compatible (text: string): string {
  return text.normalize('NFKC').trim()
}
