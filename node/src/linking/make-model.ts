import { findCalibres } from '../import/extract.ts'

/**
 * Make and model names in the form in which two spellings of the same firearm are equal:
 * "GLOCK17", "Glock 17 Gen4" and "glock-17" all name the Glock 17.
 */

/** Other names of makers, folded to one name. */
const MAKE_ALIASES: Array<[RegExp, string]> = [
  [/^(?:smith\s*(?:&|and|\+)\s*wesson|s\s*&\s*w|s&w|sw)$/, 'smith-wesson'],
  [/^(?:heckler\s*(?:&|and|\+)\s*koch|h\s*&\s*k|hk)$/, 'heckler-koch'],
  [/^(?:sig(?:[\s-]*sauer)?|sig\s*arms)$/, 'sig-sauer'],
  [/^(?:ceska\s*zbrojovka|cz|česká\s*zbrojovka)$/, 'cz'],
  [/^(?:kalashnikov|izhmash|ak)$/, 'kalashnikov'],
  [/^(?:hi[\s-]?point(?:\s+firearms)?)$/, 'hi-point'],
  [/^(?:springfield(?:\s+armory)?)$/, 'springfield'],
  [/^(?:ph(?:oe|eo)nix(?:\s+arms)?)$/, 'phoenix-arms'],
  [/^(?:raven(?:\s+arms)?)$/, 'raven-arms'],
  [/^(?:fabrique\s+nationale(?:\s+(?:de\s+)?herstal)?|fn(?:\s+herstal)?)$/, 'fn'],
  [/^(?:steyr(?:\s+(?:arms|mannlicher))?)$/, 'steyr'],
  [/^(?:zastava(?:\s+arms)?)$/, 'zastava']
]

/** Returns the make in a folded form: lower case, aliases resolved. */
export function normaliseMake (make: string): string {
  const text = make.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().trim().replace(/\s+/g, ' ')
  for (const [pattern, name] of MAKE_ALIASES) {
    if (pattern.test(text)) return name
  }
  return text.replace(/[^a-z0-9]+/g, '-')
}

/** Words that describe a model's generation or finish but not which model it is. */
const MODEL_NOISE = /\b(?:gen(?:eration)?\s*\d|\d(?:st|nd|rd|th)\s*gen(?:eration)?|semi[\s-]?auto(?:matic)?|pistol|rifle|revolver|shotgun|carbine|compact|tactical)\b/g

/** Makes whose name a model field often repeats ("GLOCK17"), removed from the model even when the record has no make. */
const MAKES_IN_MODELS = ['glock', 'walther', 'beretta', 'ruger', 'taurus', 'colt', 'sig sauer', 'sig', 'smith & wesson', 's&w', 'heckler & koch', 'h&k', 'cz', 'browning', 'mauser', 'steyr', 'zastava', 'makarov', 'tokarev', 'remington', 'mossberg', 'winchester', 'springfield']

/**
 * Returns a model name without the make, calibre, generation, finish and separators, so that
 * "GLOCK17 9x19 Para", "17 Gen4 9mm" and "G17" compare equal when `make` is Glock.
 */
export function normaliseModel (model: string, make?: string): string {
  // Calibres go first, so that "9x19" does not leave digits that read as part of the model.
  let text = maskCalibres(model).normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
  text = text.replace(/gen\s*(\d)/g, 'gen $1')
  const makes = [...MAKES_IN_MODELS]
  if (make !== undefined) {
    const folded = normaliseMake(make)
    makes.unshift(make.toLowerCase(), folded, ...folded.split('-'))
  }
  for (const word of makes) {
    if (word.length > 1) text = text.split(word).join(' ')
  }
  text = text.replace(MODEL_NOISE, ' ').replace(/[^a-z0-9]+/g, '')
  // Glock writes its models as G17, G19 and so on.
  if (make !== undefined && normaliseMake(make) === 'glock') text = text.replace(/^g(?=\d)/, '')
  return text
}

function maskCalibres (text: string): string {
  let masked = text
  for (const match of findCalibres(text)) masked = masked.slice(0, match.start) + ' '.repeat(match.end - match.start) + masked.slice(match.end)
  return masked
}

