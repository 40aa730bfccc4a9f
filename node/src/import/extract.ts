/**
 * Extracts what a marketplace listing offers from its title and description snippet.
 *
 * The rules were written against every title of the Agora 2014 weapons listings and stay
 * conservative: a field is filled only when the text states it, and a field whose text is
 * ambiguous (two different calibres, two different quantities) is left out. The title wins
 * over the description, which only fills fields the title leaves open.
 */

export type ListingClass = 'firearm' | 'ammunition' | 'non-lethal-weapon' | 'melee' | 'fireworks-or-explosives' | 'other'

export type FirearmKind =
  | 'pistol'
  | 'revolver'
  | 'rifle'
  | 'shotgun'
  | 'carbine'
  | 'submachine-gun'
  | 'machine-gun'
  | 'pen-gun'
  | 'air-gun'
  | 'alarm-or-signal'
  | 'other'
  | 'unknown'

/** Firearm fields extracted from a listing. `description` carries qualifiers such as "Sawn-off.". */
export interface FirearmOffer {
  make?: string
  model?: string
  calibre?: string
  firearmKind: FirearmKind
  description?: string
}

export interface AmmunitionOffer {
  make?: string
  calibre?: string
  quantity?: number
  projectileType?: string
}

export interface ListingText {
  title: string
  description?: string
  /** Market subcategory, such as "Lethal firearms" or "Ammunition". */
  subcategory?: string
}

/**
 * Result of `extractListing`. `customOrder` is true for custom orders, listings reserved for a
 * named buyer, "any gun you want" offers and shipping tickets, which get no firearm or
 * ammunition record even when their class is firearm or ammunition.
 */
export interface ListingExtraction {
  listingClass: ListingClass
  customOrder: boolean
  firearm?: FirearmOffer
  ammunition?: AmmunitionOffer
}

interface Span {
  start: number
  end: number
}

/** A calibre found in a text: its standard name and where the text names it. */
export interface CalibreMatch extends Span {
  calibre: string
}

interface CalibreRule {
  pattern: RegExp
  calibre: string | ((matched: string) => string)
  /** True when the cartridge name contains a maker's name (".223 Remington"), which must not count as a make. */
  named?: boolean
}

// A calibre token must not continue a word or number, so "P22", "SW40VE" and "CF380" are not calibres.
const START = '(?<![A-Za-z0-9.])'
const END = '(?![A-Za-z0-9])'
const CALIBRE_WORD = '\\s*cal(?:iber|ibre)?\\.?'

function calibreRule (source: string, calibre: CalibreRule['calibre'], named = false): CalibreRule {
  return { pattern: new RegExp(`${START}(?:${source})${END}`, 'gi'), calibre, named }
}

/** Calibre spellings and their standard names. Earlier rules win where matches overlap. */
const CALIBRE_RULES: CalibreRule[] = [
  calibreRule('9\\s*(?:mm)?\\s*[x×]\\s*18(?:\\s*mm)?(?:\\s*mak(?:arov)?)?|9\\s*mm\\s*mak(?:arov)?', '9x18mm Makarov', true),
  calibreRule('9\\s*mm\\s*(?:kurz|short)|9\\s*[x×]\\s*17(?:\\s*mm)?|\\.?380\\s*(?:acp|auto)|\\.380', '.380 ACP'),
  calibreRule('9\\s*[x×]\\s*19(?:\\s*mm)?(?:\\s*(?:luger|parabellum|para|nato))?|9\\s*mm\\s*(?:luger|parabellum|para|nato)|9\\s*(?:luger|para(?:bellum)?)|9\\s*mm', '9x19mm Parabellum'),
  calibreRule('10\\s*mm(?:\\s*auto)?', '10mm Auto'),
  calibreRule('\\.?22\\s*(?:wmr|win(?:chester)?\\s*mag(?:num)?|mag(?:num)?)', '.22 WMR', true),
  calibreRule('\\.?22\\s*-?\\s*(?:lr|l\\.r\\.|long\\s*rifle|lfb|l\\.f\\.b\\.)', '.22LR'),
  calibreRule('\\.223(?:\\s*rem(?:ington)?\\.?)?|223\\s*rem(?:ington)?\\.?', '.223 Remington', true),
  calibreRule('5[.,]56(?:\\s*[x×]\\s*45)?(?:\\s*mm)?(?:\\s*nato)?', '5.56x45mm NATO'),
  calibreRule('5[.,]45\\s*[x×]\\s*39(?:\\s*mm)?', '5.45x39mm'),
  calibreRule('7[.,]62\\s*[x×]\\s*39(?:\\s*mm)?', '7.62x39mm'),
  calibreRule('7[.,]62\\s*[x×]\\s*51(?:\\s*mm)?(?:\\s*nato)?', '7.62x51mm NATO'),
  calibreRule('7[.,]62\\s*[x×]\\s*54\\s*r?(?:\\s*mm)?r?', '7.62x54mmR'),
  calibreRule('\\.308(?:\\s*win(?:chester)?)?|308\\s*win(?:chester)?', '.308 Winchester', true),
  calibreRule('\\.?30-06(?:\\s*springfield)?', '.30-06 Springfield', true),
  calibreRule('\\.?25\\s*(?:acp|auto)|6[.,]35(?:\\s*mm)?(?:\\s*browning)?', '.25 ACP', true),
  calibreRule('\\.?32\\s*(?:acp|auto)|7[.,]65(?:\\s*mm)?\\s*browning', '.32 ACP', true),
  calibreRule('\\.?38\\s*(?:special|spl|spec)\\.?', '.38 Special'),
  calibreRule('\\.?357\\s*sig', '.357 SIG'),
  calibreRule('\\.?357\\s*mag(?:num)?|\\.357', '.357 Magnum'),
  calibreRule(`\\.?40\\s*(?:s\\s*&\\s*w|sw)|\\.?40${CALIBRE_WORD}|\\.40`, '.40 S&W', true),
  calibreRule('\\.?44\\s*mag(?:num)?', '.44 Magnum'),
  calibreRule('\\.?45\\s*(?:long\\s*colt|colt|lc)', '.45 Colt', true),
  calibreRule('\\.?45\\s*(?:acp|auto)', '.45 ACP'),
  calibreRule('\\.410(?:\\s*(?:bore|ga|gauge))?|410\\s*(?:bore|ga|gauge)|410(?=\\s+shot\\s*gun)', '.410 bore'),
  calibreRule('(?:10|12|16|20|28)\\s*-?\\s*(?:ga|gauge|bore)', matched => `${parseInt(matched, 10)} gauge`),
  calibreRule(`\\.177(?:${CALIBRE_WORD})?|4[.,]5\\s*mm`, '.177'),
  // Bare calibres. Some are completed from the firearm kind later (".45" on a pistol is .45 ACP).
  calibreRule(`\\.45(?:${CALIBRE_WORD})?|45${CALIBRE_WORD}|45(?=\\s+(?:carbine|pistol))`, '.45'),
  calibreRule(`\\.25(?:${CALIBRE_WORD})?|25${CALIBRE_WORD}`, '.25'),
  calibreRule(`\\.32(?:${CALIBRE_WORD})?|32${CALIBRE_WORD}`, '.32'),
  calibreRule(`\\.38(?:${CALIBRE_WORD})?|38${CALIBRE_WORD}`, '.38'),
  calibreRule(`\\.22(?:${CALIBRE_WORD})?|22${CALIBRE_WORD}|22(?=\\s+(?:rifle|pistol|revolver))`, '.22')
]

/** Pairs of cartridges that listings name together as interchangeable. The one named first is kept. */
const EQUIVALENT_CALIBRES: ReadonlyArray<[string, string]> = [
  ['5.56x45mm NATO', '.223 Remington'],
  ['7.62x51mm NATO', '.308 Winchester']
]

/** Cartridges that a bare ".45", ".25" or ".32" on a self-loading handgun or carbine refers to. */
const HANDGUN_CALIBRES: Record<string, string> = {
  '.45': '.45 ACP',
  '.25': '.25 ACP',
  '.32': '.32 ACP'
}

/** Returns every calibre named in the text with its position, in text order. */
export function findCalibres (text: string): CalibreMatch[] {
  const matches: CalibreMatch[] = []
  for (const rule of CALIBRE_RULES) {
    for (const match of text.matchAll(rule.pattern)) {
      const span = { start: match.index, end: match.index + match[0].length }
      if (matches.some(other => overlaps(other, span))) continue
      const calibre = typeof rule.calibre === 'string' ? rule.calibre : rule.calibre(match[0])
      matches.push({ ...span, calibre })
    }
  }
  return matches.sort((a, b) => a.start - b.start)
}

function findNamedCalibreSpans (text: string): Span[] {
  const spans: Span[] = []
  for (const rule of CALIBRE_RULES.filter(candidate => candidate.named === true)) {
    for (const match of text.matchAll(rule.pattern)) {
      spans.push({ start: match.index, end: match.index + match[0].length })
    }
  }
  return spans
}

/**
 * Returns the one calibre the text names, after merging interchangeable cartridges and dropping
 * a bare ".22" that a specific ".22LR" already covers. Returns undefined for none or several.
 */
function singleCalibre (matches: CalibreMatch[]): string | undefined {
  let calibres = [...new Set(matches.map(match => match.calibre))]
  for (const [first, second] of EQUIVALENT_CALIBRES) {
    const firstIndex = calibres.indexOf(first)
    const secondIndex = calibres.indexOf(second)
    if (firstIndex >= 0 && secondIndex >= 0) {
      const dropped = firstIndex < secondIndex ? second : first
      calibres = calibres.filter(calibre => calibre !== dropped)
    }
  }
  calibres = calibres.filter(calibre => !calibres.some(other => other !== calibre && refines(other, calibre)))
  return calibres.length === 1 ? calibres[0] : undefined
}

/** Tells whether `specific` names a cartridge of the bare `calibre`: ".22LR" refines ".22", but ".380 ACP" does not refine ".38". */
function refines (specific: string, calibre: string): boolean {
  return specific.startsWith(calibre) && !/\d/.test(specific.charAt(calibre.length))
}

/**
 * Make and model named in a text, with the calibre and kind the model name implies, the kind
 * every firearm of the make has, and where the model is written.
 */
interface FirearmIdentity {
  make?: string
  model?: string
  calibre?: string
  kind?: FirearmKind
  makeKind?: FirearmKind
  modelSpans: Span[]
}

interface ModelRule {
  pattern: RegExp
  model: (match: RegExpExecArray) => string
  calibre?: string
  kind?: FirearmKind
}

interface MakeRule {
  make: string
  name: RegExp
  models: ModelRule[]
  kind?: FirearmKind
}

function model (source: string, format: (match: RegExpExecArray) => string, extra: Omit<ModelRule, 'pattern' | 'model'> = {}): ModelRule {
  // Sticky, so the model must follow the make name directly.
  return { pattern: new RegExp(`(?:${source})${END}`, 'iy'), model: format, ...extra }
}

const upper = (match: RegExpExecArray): string => match[0].toUpperCase().replace(/[\s-]+/g, '')
const literal = (match: RegExpExecArray): string => match[0].replace(/\s+/g, ' ')
const fixed = (name: string) => (): string => name

const GEN = '(?:\\s+(?:gen(?:eration)?\\s*(\\d)|(\\d)(?:st|nd|rd|th)\\s+gen(?:eration)?)(?!\\s*(?:or|\\/)\\s*\\d))?'

/** Makes of firearms with the models the listings name after them. */
const FIREARM_MAKES: MakeRule[] = [
  {
    make: 'Glock',
    name: /\bglock\b/i,
    kind: 'pistol',
    models: [model(`(\\d{2,3})([a-z]{1,3})?${GEN}`, match => {
      const generation = match[3] ?? match[4]
      return `${match[1] ?? ''}${(match[2] ?? '').toUpperCase()}${generation === undefined ? '' : ` Gen ${generation}`}`
    })]
  },
  {
    make: 'Smith & Wesson',
    name: /\bsmith\s*(?:&|and|\+)\s*wesson\b|\bS\s?&\s?W\b/i,
    models: [
      model('S[WD]\\s?40[a-z]{0,3}', upper, { calibre: '.40 S&W', kind: 'pistol' }),
      model('S[WD]\\s?9[a-z]{0,3}', upper, { calibre: '9x19mm Parabellum', kind: 'pistol' }),
      model('M\\s?&\\s?P(?:\\s?\\d{1,2}c?)?', upper, { kind: 'pistol' })
    ]
  },
  {
    make: 'Beretta',
    name: /\bberetta\b/i,
    models: [
      model('FS\\s?92|92\\s?FS|PX4|APX|M9A?\\d?|92|21A|950', upper, { kind: 'pistol' }),
      model('bobcat|tomcat|nano', match => capitalise(match[0]), { kind: 'pistol' })
    ]
  },
  {
    make: 'Walther',
    name: /\bwalther\b/i,
    models: [model('PPK\\/S|PPK|PPQ|PPS|PP|P22|P99|P38|P1|CCP', upper, { kind: 'pistol' })]
  },
  {
    make: 'SIG Sauer',
    name: /\bsig[\s-]*sauer\b|\bsig\b(?=[\s-]*p\d)/i,
    models: [model('P\\s?\\d{3,4}[a-z]{0,3}', upper, { kind: 'pistol' })]
  },
  {
    make: 'Ruger',
    name: /\bruger\b/i,
    models: [
      model('P-?\\d{2,3}', upper, { kind: 'pistol' }),
      model('LCP|LC9S?|LCR|SR\\d{1,2}C?', upper),
      model('10\\/22|mini-14', literal, { kind: 'rifle' })
    ]
  },
  {
    make: 'Taurus',
    name: /\btaurus\b/i,
    models: [
      model('PT\\s?-?\\s?\\d{2,4}[a-z]{0,3}', upper, { kind: 'pistol' }),
      model('mil+[ie]n+[ie]*u?m', fixed('Millennium'), { kind: 'pistol' }),
      model('judge', fixed('Judge'), { kind: 'revolver' })
    ]
  },
  {
    make: 'Springfield Armory',
    name: /\bspring(?:f)?ield(?:\s+armory)?\b/i,
    models: [
      model('XD[SM]?(?:\\(M\\))?|hellcat', upper, { kind: 'pistol' }),
      model('1911', literal, { kind: 'pistol' }),
      model('M1A', upper, { kind: 'rifle' })
    ]
  },
  {
    make: 'Hi-Point',
    name: /\bhi[\s-]?point\b/i,
    kind: 'pistol',
    models: [
      model('CF\\s?-?380', fixed('CF380'), { calibre: '.380 ACP', kind: 'pistol' }),
      model('C-?9', fixed('C9'), { calibre: '9x19mm Parabellum', kind: 'pistol' }),
      model('995(?:TS)?', upper, { calibre: '9x19mm Parabellum', kind: 'carbine' }),
      model('4095(?:TS)?', upper, { calibre: '.40 S&W', kind: 'carbine' }),
      model('4595(?:TS)?', upper, { calibre: '.45 ACP', kind: 'carbine' })
    ]
  },
  {
    make: 'Raven Arms',
    name: /\braven(?:\s+arms)?\b/i,
    kind: 'pistol',
    models: [model('M?P\\s*-?\\s*\\.?25', match => /^mp/i.test(match[0]) ? 'MP-25' : 'P-25', { calibre: '.25 ACP', kind: 'pistol' })]
  },
  {
    make: 'Phoenix Arms',
    // The listings misspell the name as "pheonix".
    name: /\bph(?:oe|eo)nix(?:\s+arms)?\b/i,
    kind: 'pistol',
    models: [
      model('HP\\s?-?22A?', upper, { calibre: '.22LR', kind: 'pistol' }),
      model('HP\\s?-?25A?', upper, { calibre: '.25 ACP', kind: 'pistol' })
    ]
  },
  {
    make: 'Crosman',
    name: /\bcrosman\b/i,
    kind: 'air-gun',
    models: [model('\\d{3,4}[a-z]{0,3}', upper)]
  },
  {
    make: 'Erma',
    name: /\berma\b/i,
    models: [model('KGP\\s?-?\\d{2,3}[a-z]?|EP\\s?-?\\d{2,3}', literal, { kind: 'pistol' })]
  },
  {
    make: 'FEG',
    name: /\bFEG\b/i,
    models: [
      model('hi(?:gh)?[\\s-]?power', fixed('High Power'), { kind: 'pistol' }),
      model('PA-?63|AP-?9|P9R?M?|PJK-?9HP', upper, { kind: 'pistol' })
    ]
  },
  {
    make: 'Colt',
    name: /\bcolt\b/i,
    models: [
      model('M?1911(?:A1)?', upper, { kind: 'pistol' }),
      model('government|commander|defender|mustang', match => capitalise(match[0]), { kind: 'pistol' }),
      model('python|anaconda|detective\\s+special', match => capitalise(literal(match)), { kind: 'revolver' }),
      model('AR-?15|M4', upper, { kind: 'rifle' })
    ]
  },
  {
    make: 'CZ',
    name: /\bCZ\b/i,
    models: [
      model('75B?|85|83|97|P-?0[79]|P-?10\\s?[CFS]?', upper, { kind: 'pistol' }),
      model('scorpion(?:\\s+evo(?:\\s*3)?)?', match => literal(match).toUpperCase().replace('SCORPION', 'Scorpion'))
    ]
  },
  {
    make: 'Heckler & Koch',
    name: /\bheckler\s*(?:&|and)\s*koch\b|\bH\s?&\s?K\b/i,
    models: [
      model('USP|P30|P2000|VP9|VP40|P7|HK45', upper, { kind: 'pistol' }),
      model('MP5|MP7|UMP', upper, { kind: 'submachine-gun' }),
      model('G3|G36|HK416', upper, { kind: 'rifle' })
    ]
  },
  {
    make: 'Remington',
    name: /\bremington\b/i,
    models: [
      model('870|1100|11-87', literal, { kind: 'shotgun' }),
      model('700', literal, { kind: 'rifle' }),
      model('R51', upper, { kind: 'pistol' })
    ]
  },
  {
    make: 'Mossberg',
    name: /\bmossberg\b/i,
    models: [model('500|590|835|930|maverick\\s?88', match => capitalise(literal(match)), { kind: 'shotgun' })]
  },
  {
    make: 'Winchester',
    name: /\bwinchester\b/i,
    models: [model('model\\s?\\d{2,4}|SXP|1300|1897', match => capitalise(literal(match)))]
  }
]

interface ModelOnlyRule {
  pattern: RegExp
  model: string
  make?: string
  kind?: FirearmKind
}

/** Models named without their make. AK stands for Avtomat Kalashnikova, so it names the make too. */
const MODELS_WITHOUT_MAKE: ModelOnlyRule[] = [
  { pattern: /\ba\.?k[\s.-]?47\b/i, model: 'AK-47', make: 'Kalashnikov', kind: 'rifle' },
  { pattern: /\bak[\s-]?74\b/i, model: 'AK-74', make: 'Kalashnikov', kind: 'rifle' },
  { pattern: /\bakm\b/i, model: 'AKM', make: 'Kalashnikov', kind: 'rifle' },
  // Many companies make AR-15 pattern rifles, so the model does not name a make.
  { pattern: /\bar[\s-]?15\b/i, model: 'AR-15', kind: 'rifle' },
  // NOTE: matched case-sensitively so that "xd" in running text is skipped, but an "XD" smiley
  // in a description would still read as this model.
  { pattern: /\bXD\b/, model: 'XD', kind: 'pistol' },
  { pattern: /\bscorpion\b/i, model: 'Scorpion' },
  { pattern: /\buzi\b/i, model: 'Uzi', kind: 'submachine-gun' }
]

const AMMUNITION_MAKES: ReadonlyArray<[string, RegExp]> = [
  ['Blazer', /\bblazer\b/i],
  ['CCI', /\bCCI\b/i],
  ['Federal', /\bfederal\b/i],
  // The listings misspell the name as "FIOCCI".
  ['Fiocchi', /\bfiocc?hi\b|\bfiocci\b/i],
  // GECO is the brand, which one vendor writes as "Gecko".
  ['GECO', /\bgeck?o\b/i],
  ['Hornady', /\bhornady\b/i],
  ['Magtech', /\bmagtech\b/i],
  ['PMC', /\bPMC\b/i],
  ['Prvi Partizan', /\bprvi\s+partizan\b|\bPPU\b/i],
  ['Remington', /\bremington\b/i],
  ['Sellier & Bellot', /\bsellier\s*(?:&|and)\s*bellot\b|\bS\s?&\s?B\b/i],
  ['Speer', /\bspeer\b/i],
  ['TulAmmo', /\btul\s*ammo\b/i],
  ['Winchester', /\bwinchester\b/i],
  ['Wolf', /\bwolf\b/i]
]

const KIND_WORDS: ReadonlyArray<[FirearmKind, RegExp]> = [
  ['pen-gun', /\bpen[\s-]?gun\b/i],
  ['air-gun', /\b(?:pneumatic|air[\s-]?(?:gun|rifle|pistol)|pellet\s+gun|airsoft|bb[\s-]?gun)\b/i],
  ['alarm-or-signal', /\b(?:alarm|signal|starter|flare|blank[\s-]?firing)\s+(?:pistol|gun|revolver)\b|\bflare\s*gun\b/i],
  ['submachine-gun', /\b(?:sub[\s-]?machine[\s-]?gun|smg|machine[\s-]?pistol)\b/i],
  ['machine-gun', /\bmachine[\s-]?gun\b/i],
  ['shotgun', /\bshot[\s-]?gun\b/i],
  ['carbine', /\bcarbine\b/i],
  ['revolver', /\brevolver\b/i],
  ['rifle', /\brifle\b/i],
  ['pistol', /\bpistol\b/i]
]

const SHIPPING_OR_SERVICE = /\bshipping\s+ticket\b|^\s*(?:weapons?\s+)?shipping\s*$|\bflight\s+booking\b/i
const CUSTOM_ORDER = /\bcustom(?:er)?[\s-]*(?:\w+[\s-]+)?(?:for|order|listing)\b|\bcustomerlisting\b|\bspecial\s+listing\b|\bany\s+(?:gun|weapon|type|calibre|caliber)\b|\bpick\s+a\s+gun\b|\bgun\s*listing\b/i
const CHOICE_IN_DESCRIPTION = /\bof\s+your\s+choice\b/i
const NON_LETHAL = /\b(?:tasers?|tazers?|stun[\s-]*guns?|shocker|pepper[\s-]*spray|tear[\s-]*gas|cs[\s-]*gas|airsoft|bb[\s-]*guns?)\b/i
const MELEE = /\b(?:knife|knives|katana|sword|machete|dagger|bayonet|blade|knuckle[\s-]*dusters?|brass\s+knuckles|batons?|tomahawk|nunchak?u|karambit|melee)\b/i
const EXPLOSIVE = /\b(?:fireworks?|explosives?|grenades?|detonators?|blasting\s+caps?|dynamite|semtex|pyrotechnics?)\b/i
const SILENCER = /\b(?:silencers?|suppressors?|sound\s+moderators?)\b/i
const NON_WEAPON_GOODS = /\b(?:helicopter|quadcopter|drone)\b/i
// "1OZHigh Grade" shows that the unit may run into the next word, so oz has no end boundary.
const MASS_OR_VOLUME = /\d\s*(?:oz|ounces?)|\b\d+(?:[.,]\d+)?\s*(?:g|kg|mg|ml|l)\b/i
const AMMUNITION_WORDS = /\b(?:ammo|ammunition|rounds?|rds|cartridges?|shells?|bullets?)\b/i

const SUBCATEGORY_CLASSES: Record<string, ListingClass> = {
  'lethal firearms': 'firearm',
  ammunition: 'ammunition',
  'non-lethal firearms': 'non-lethal-weapon',
  melee: 'melee',
  fireworks: 'fireworks-or-explosives'
}

/** Extracts the listing class and, where the text names them, the firearm or ammunition offered. */
export function extractListing (listing: ListingText): ListingExtraction {
  const title = listing.title
  const description = listing.description ?? ''
  const identity = findFirearmIdentity(title)
  const listingClass = classify(listing, identity)
  const customOrder = SHIPPING_OR_SERVICE.test(title) || CUSTOM_ORDER.test(title) || CHOICE_IN_DESCRIPTION.test(description)

  const extraction: ListingExtraction = { listingClass, customOrder }
  if (customOrder) return extraction

  if (listingClass === 'firearm') {
    const firearm = extractFirearm(title, description)
    if (firearm !== undefined) extraction.firearm = firearm
  } else if (listingClass === 'ammunition') {
    const ammunition = extractAmmunition(title, description)
    if (ammunition !== undefined) extraction.ammunition = ammunition
  }
  return extraction
}

/**
 * Returns the listing class: the market subcategory, corrected where the title contradicts it
 * (a knife filed under Ammunition, chemicals filed under Lethal firearms).
 */
export function classifyListing (listing: ListingText): ListingClass {
  return classify(listing, findFirearmIdentity(listing.title))
}

function classify (listing: ListingText, identity: FirearmIdentity): ListingClass {
  const title = listing.title
  const base = SUBCATEGORY_CLASSES[(listing.subcategory ?? '').trim().toLowerCase()]

  if (SHIPPING_OR_SERVICE.test(title) || NON_WEAPON_GOODS.test(title)) return 'other'
  if (NON_LETHAL.test(title)) return 'non-lethal-weapon'
  if (MELEE.test(title)) return 'melee'
  if (EXPLOSIVE.test(title)) return 'fireworks-or-explosives'
  if (SILENCER.test(title)) return 'firearm'

  const namesFirearm = identity.make !== undefined || identity.model !== undefined
  const weaponLike = namesFirearm || AMMUNITION_WORDS.test(title) || findKind(maskCalibres(title)) !== undefined || findCalibres(title).length > 0
  // Chemicals and drugs sold by weight turn up in the weapons subcategories. Fireworks
  // ingredients such as potassium chlorate are sold by weight too, so they keep their class.
  if (base !== 'fireworks-or-explosives' && !weaponLike && MASS_OR_VOLUME.test(title)) return 'other'

  if (base === 'firearm' && !namesFirearm && AMMUNITION_WORDS.test(title)) return 'ammunition'
  if (base !== undefined) return base

  if (namesFirearm || findKind(maskCalibres(title)) !== undefined) return 'firearm'
  if (AMMUNITION_WORDS.test(title) || findCalibres(title).length > 0) return 'ammunition'
  return 'other'
}

/** Finds the first make named in the text and the model that follows it, or a model named without its make. */
function findFirearmIdentity (text: string): FirearmIdentity {
  // A cartridge such as ".223 Remington" or ".40 S&W" names a maker but not the firearm's make.
  const searchable = mask(text, findNamedCalibreSpans(text))
  let best: { rule: MakeRule, start: number, end: number } | undefined
  for (const rule of FIREARM_MAKES) {
    const match = rule.name.exec(searchable)
    if (match !== null && (best === undefined || match.index < best.start)) {
      best = { rule, start: match.index, end: match.index + match[0].length }
    }
  }

  if (best !== undefined) {
    const identity: FirearmIdentity = { make: best.rule.make, modelSpans: [] }
    if (best.rule.kind !== undefined) identity.makeKind = best.rule.kind
    const modelStart = best.end + (/^[\s\-:.]*/.exec(searchable.slice(best.end))?.[0].length ?? 0)
    for (const rule of best.rule.models) {
      rule.pattern.lastIndex = modelStart
      const match = rule.pattern.exec(searchable)
      if (match === null) continue
      identity.model = rule.model(match)
      if (rule.calibre !== undefined) identity.calibre = rule.calibre
      if (rule.kind !== undefined) identity.kind = rule.kind
      identity.modelSpans.push({ start: match.index, end: match.index + match[0].length })
      break
    }
    if (identity.model !== undefined) return identity
    const modelOnly = findModelWithoutMake(searchable)
    if (modelOnly !== undefined) return { ...modelOnly, make: identity.make, ...(identity.makeKind === undefined ? {} : { makeKind: identity.makeKind }) }
    return identity
  }

  return findModelWithoutMake(searchable) ?? { modelSpans: [] }
}

function findModelWithoutMake (text: string): FirearmIdentity | undefined {
  for (const rule of MODELS_WITHOUT_MAKE) {
    const match = rule.pattern.exec(text)
    if (match === null) continue
    const identity: FirearmIdentity = { model: rule.model, modelSpans: [{ start: match.index, end: match.index + match[0].length }] }
    if (rule.make !== undefined) identity.make = rule.make
    if (rule.kind !== undefined) identity.kind = rule.kind
    return identity
  }
  return undefined
}

function findKind (text: string): FirearmKind | undefined {
  return KIND_WORDS.find(([, pattern]) => pattern.test(text))?.[0]
}

const COMPONENT = /\b(slide|frame|lower|upper|receiver)\b/i
const FULLY_AUTOMATIC = /\bfull(?:y)?[\s-]?auto(?:matic)?\b/i
const SAWN_OFF = /\b(?:sawn|sawed)[\s-]?off\b/i
const DOUBLE_BARREL = /\bdouble[\s-]?barrel(?:led|ed)?\b/i
const CLONE = /(?<!\bnot\s+an?\s+)\b(?:clone|replica)\b/i

/**
 * Extracts the firearm a listing offers, or undefined when the text names no make, model,
 * calibre or kind. Qualifiers that change what the record means (a clone, a part rather than a
 * whole firearm) go into the description. A clone keeps the model it copies but not the make.
 */
function extractFirearm (title: string, description: string): FirearmOffer | undefined {
  const fromTitle = findFirearmIdentity(title)
  const fromDescription = findFirearmIdentity(description)
  const named = fromTitle.make !== undefined || fromTitle.model !== undefined ? fromTitle : fromDescription

  const kind = findKind(maskCalibres(title)) ?? findKind(maskCalibres(description)) ?? named.kind ?? named.makeKind ?? 'unknown'
  let calibre = fromTitle.calibre ?? calibreIn(title, fromTitle.modelSpans) ?? fromDescription.calibre ?? calibreIn(description, fromDescription.modelSpans)
  if (calibre !== undefined && ['pistol', 'carbine', 'submachine-gun'].includes(kind)) {
    calibre = HANDGUN_CALIBRES[calibre] ?? calibre
  }

  const qualifiers: string[] = []
  const clone = CLONE.test(title) || CLONE.test(description)
  if (clone) {
    const copied = [named.make, named.model].filter(part => part !== undefined).join(' ')
    qualifiers.push(copied === '' ? 'Described as a clone.' : `Described as a clone of a ${copied}.`)
  }
  const component = COMPONENT.exec(title)?.[1]?.toLowerCase()
  if (component !== undefined) qualifiers.push(`Offered part: ${component} only, not a complete firearm.`)
  if (FULLY_AUTOMATIC.test(title)) qualifiers.push('Described as fully automatic.')
  if (SAWN_OFF.test(title)) qualifiers.push('Sawn-off.')
  if (DOUBLE_BARREL.test(title)) qualifiers.push('Double-barrelled.')

  const firearm: FirearmOffer = { firearmKind: kind }
  if (named.make !== undefined && !clone) firearm.make = named.make
  if (named.model !== undefined) firearm.model = named.model
  if (calibre !== undefined) firearm.calibre = calibre
  if (qualifiers.length > 0) firearm.description = qualifiers.join(' ')

  const identifying = firearm.make !== undefined || firearm.model !== undefined || firearm.calibre !== undefined || kind !== 'unknown'
  return identifying ? firearm : undefined
}

/** Returns the single calibre the text names outside the model name ("Glock 22" is not .22). */
function calibreIn (text: string, modelSpans: Span[]): string | undefined {
  return singleCalibre(findCalibres(mask(text, modelSpans)))
}

const QUANTITY_PATTERNS: RegExp[] = [
  /(?<![\w.,])(\d{1,7})\s*(?:rounds?|rds?|pcs|pieces|cartridges|shells|bullets)\b/gi,
  /(?<![\w.,])x\s*(\d{1,7})(?![\w.,])/gi,
  /(?<![\w.,])(\d{1,7})\s*x(?=\s)/gi,
  /\bbox(?:es)?\s+of\s+(\d{1,7})\b/gi
]

const PROJECTILE_TYPES: ReadonlyArray<[string, RegExp]> = [
  ['FMJ', /\bFMJ\b|\bfull\s+metal\s+jacket\b/i],
  ['JHP', /\bJHP\b|\bjacketed\s+hollow\s*point\b/i],
  ['JSP', /\bJSP\b|\bjacketed\s+soft\s*point\b/i],
  ['HP', /\bHP\b|\bhollow\s*points?\b/i],
  ['SP', /\bSP\b|\bsoft\s*points?\b/i],
  ['RN', /\bRN\b|\bround\s*nose\b/i]
]

/** Extracts the ammunition a listing offers, or undefined when the text names none of its fields. */
function extractAmmunition (title: string, description: string): AmmunitionOffer | undefined {
  const ammunition: AmmunitionOffer = {}
  const make = ammunitionMake(title) ?? ammunitionMake(description)
  const calibre = calibreOf(title) ?? calibreOf(description)
  const quantity = quantityOf(title) ?? quantityOf(description)
  const projectileType = projectileTypeOf(title) ?? projectileTypeOf(description)

  if (make !== undefined) ammunition.make = make
  if (calibre !== undefined) ammunition.calibre = calibre
  if (quantity !== undefined) ammunition.quantity = quantity
  if (projectileType !== undefined) ammunition.projectileType = projectileType
  return Object.keys(ammunition).length > 0 ? ammunition : undefined
}

function calibreOf (text: string): string | undefined {
  return singleCalibre(findCalibres(text))
}

function ammunitionMake (text: string): string | undefined {
  const searchable = mask(text, findNamedCalibreSpans(text))
  let best: { make: string, index: number } | undefined
  for (const [make, pattern] of AMMUNITION_MAKES) {
    const index = searchable.search(pattern)
    if (index >= 0 && (best === undefined || index < best.index)) best = { make, index }
  }
  return best?.make
}

/** Returns the number of rounds the text states, or undefined when it states none or several. */
function quantityOf (text: string): number | undefined {
  // "7.62 X 39" and "9x19" would otherwise read as quantities.
  const searchable = maskCalibres(text)
  const quantities = new Set<number>()
  for (const pattern of QUANTITY_PATTERNS) {
    for (const match of searchable.matchAll(pattern)) {
      const quantity = Number(match[1])
      if (quantity >= 1 && quantity <= 10_000_000) quantities.add(quantity)
    }
  }
  return quantities.size === 1 ? [...quantities][0] : undefined
}

function projectileTypeOf (text: string): string | undefined {
  const found = PROJECTILE_TYPES.filter(([, pattern]) => pattern.test(text)).map(([type]) => type)
  // "Hollow point" next to "JHP" describes the same bullet, so the more specific type wins.
  const distinct = found.filter(type => !(type === 'HP' && found.includes('JHP')) && !(type === 'SP' && found.includes('JSP')))
  return distinct.length === 1 ? distinct[0] : undefined
}

function maskCalibres (text: string): string {
  return mask(text, findCalibres(text))
}

/** Replaces the spans with spaces, keeping every other character at its index. */
function mask (text: string, spans: Span[]): string {
  let masked = text
  for (const span of spans) {
    masked = masked.slice(0, span.start) + ' '.repeat(span.end - span.start) + masked.slice(span.end)
  }
  return masked
}

function overlaps (a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end
}

function capitalise (text: string): string {
  return text.toLowerCase().replace(/(^|\s)\p{L}/gu, letter => letter.toUpperCase())
}
