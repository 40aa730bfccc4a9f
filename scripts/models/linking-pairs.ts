import { readFileSync } from 'node:fs'
import { readAgoraListingsCsv } from '../../node/src/import/csv.ts'
import { extractListing } from '../../node/src/import/extract.ts'
import { LISTINGS_CSV } from './triage-data.ts'
import type { SeededRandom } from './random.ts'

type Fields = Record<string, unknown>

/** A generated pair of records with its label: 1 when both describe the same thing. */
export interface LabelledPair {
  a: Fields
  b: Fields
  same: 0 | 1
  /** Name of the generation recipe, for the figures per recipe. */
  recipe: string
}

/** Spellings that police records and sellers use for the same cartridge. */
const CALIBRE_SPELLINGS: Record<string, string[]> = {
  '9x19mm Parabellum': ['9x19mm Parabellum', '9 mm Luger', '9x19', '9mm Para', '9 mm Parabellum', '9mm'],
  '.45 ACP': ['.45 ACP', '45 Auto', '11.43x23', '.45 ACP'],
  '.40 S&W': ['.40 S&W', '.40 SW', '40 cal', '10x22'],
  '.22LR': ['.22LR', '.22 Long Rifle', '22 LR', '5.6x15R'],
  '.25 ACP': ['.25 ACP', '6.35 mm Browning', '.25 Auto'],
  '.380 ACP': ['.380 ACP', '9 mm kurz', '9x17'],
  '10mm Auto': ['10mm Auto', '10 mm'],
  '.410 bore': ['.410 bore', '410 gauge'],
  '5.56x45mm NATO': ['5.56x45mm NATO', '5.56 NATO']
}

/** Handles that are not in the data, to pair with the real vendor handles as non-matches. */
const OTHER_HANDLES = ['ironmonger', 'nordic_arms', 'blackbox', 'silentpartner', 'gunsmith_eu', 'cartridgeking', 'quickship', 'darkvault', 'steelrain', 'bulletproof', 'lockandload', 'redfox', 'grey_wolf', 'shadowtrader', 'tradewinds']

/** Synthetic persons only: invented given and family names with their spelling variants. */
const SYNTHETIC_FAMILY_NAMES: string[][] = [
  ['Ivanov', 'Iwanow', 'Иванов', 'Ivanoff'],
  ['Müller', 'Mueller', 'Muller'],
  ['Kowalczyk', 'Kovalchik'],
  ['Papadopoulos', 'Παπαδόπουλος'],
  ['Schmidt', 'Schmitt'],
  ['Novák', 'Novak'],
  ['Horváth', 'Horvath'],
  ['Petrović', 'Petrovic'],
  ['Jansen', 'Janssen'],
  ['Lindqvist', 'Lindkvist'],
  ['Dubois', 'Du Bois'],
  ['Kuznetsov', 'Kusnezow', 'Кузнецов']
]
const SYNTHETIC_GIVEN_NAMES: string[][] = [
  ['Aleksandr', 'Alexander', 'Александр'], ['Jürgen', 'Juergen', 'Jurgen'], ['Katarzyna', 'Katarina'], ['Giorgos', 'Γιώργος', 'Yorgos'],
  ['Anna', 'Ana'], ['Piotr', 'Petr'], ['Mikael', 'Michael'], ['Sofie', 'Sophie'], ['Dmitri', 'Dmitry', 'Дмитрий']
]

const SERIAL_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'
const LOOK_ALIKES: Record<string, string> = { O: '0', 0: 'O', I: '1', 1: 'I', S: '5', 5: 'S', B: '8', 8: 'B', Z: '2', 2: 'Z' }

/**
 * Generates labelled pairs for the linking model, reproducibly from the seed. Firearms take the
 * make, model and calibre the importer extracts from the real Agora listings, with synthetic
 * serial numbers and re-spelled variants. Handles are the real vendor handles with perturbed
 * variants. Wallets, vehicles and persons are synthetic. Non-matches include hard cases, such
 * as the same make and model with another serial number.
 */
export function generatePairs (random: SeededRandom): LabelledPair[] {
  const { rows } = readAgoraListingsCsv(readFileSync(LISTINGS_CSV, 'utf8'))
  const firearms = rows
    .map(row => extractListing({ title: row.title, ...(row.descriptionSnippet === undefined ? {} : { description: row.descriptionSnippet }), ...(row.subcategory === undefined ? {} : { subcategory: row.subcategory }) }).firearm)
    .filter((firearm): firearm is NonNullable<typeof firearm> => firearm?.make !== undefined && firearm.model !== undefined)
  const handles = [...new Set(rows.map(row => row.vendor))]
  const pairs: LabelledPair[] = []

  for (let i = 0; i < 600; i++) {
    const base = random.pick(firearms)
    const serial = syntheticSerial(random)
    const a: Fields = { type: 'Firearm', make: base.make, model: base.model, serialNumber: serial, ...(base.calibre === undefined ? {} : { calibre: base.calibre }) }
    const recipe = random.integer(5)
    if (recipe === 0) {
      pairs.push({ a, b: respellFirearm(a, random, perturbSerial(serial, random)), same: 1, recipe: 'firearm: re-spelled, serial with a typo' })
    } else if (recipe === 1) {
      pairs.push({ a, b: respellFirearm(a, random, serial), same: 1, recipe: 'firearm: re-spelled, same serial' })
    } else if (recipe === 2) {
      pairs.push({ a, b: respellFirearm(a, random, syntheticSerial(random)), same: 0, recipe: 'firearm: same make and model, other serial' })
    } else if (recipe === 3) {
      // Without a serial number, two records of one make and model may be any two such firearms.
      pairs.push({ a, b: respellFirearm(a, random, undefined), same: 0, recipe: 'firearm: same make and model, one serial missing' })
    } else {
      const other = random.pick(firearms)
      const otherSerial = random.next() < 0.2 ? undefined : random.next() < 0.3 ? perturbSerial(serial, random) : syntheticSerial(random)
      pairs.push({ a, b: respellFirearm({ ...a, make: other.make, model: other.model, calibre: other.calibre ?? a.calibre }, random, otherSerial), same: 0, recipe: 'firearm: other firearm' })
    }
  }

  for (let i = 0; i < 400; i++) {
    const handle = random.pick(handles)
    const platform = random.next() < 0.8 ? 'Agora' : random.pick(['Silk Road 2', 'Evolution'])
    const a: Fields = { type: 'OnlineIdentity', handle, platform: 'Agora' }
    if (i % 2 === 0) {
      pairs.push({ a, b: { type: 'OnlineIdentity', handle: perturbHandle(handle, random), platform }, same: 1, recipe: 'identity: perturbed handle' })
    } else {
      const other = random.next() < 0.5 ? random.pick(handles.filter(h => h !== handle)) : random.pick(OTHER_HANDLES)
      const b = random.next() < 0.3 ? perturbHandle(other, random) : other
      pairs.push({ a, b: { type: 'OnlineIdentity', handle: b, platform }, same: 0, recipe: 'identity: other handle' })
    }
  }

  for (let i = 0; i < 200; i++) {
    const chain = random.pick(['bitcoin', 'ethereum', 'monero'])
    const address = syntheticAddress(chain, random)
    const a: Fields = { type: 'CryptoWallet', chain, address }
    if (i % 2 === 0) {
      pairs.push({ a, b: { type: 'CryptoWallet', chain, address: chain === 'ethereum' ? address.toUpperCase().replace(/^0X/, '0x') : address }, same: 1, recipe: 'wallet: same address' })
    } else if (i % 4 === 1) {
      pairs.push({ a, b: { type: 'CryptoWallet', chain: chain === 'bitcoin' ? 'litecoin' : 'bitcoin', address }, same: 0, recipe: 'wallet: same string, other chain' })
    } else {
      pairs.push({ a, b: { type: 'CryptoWallet', chain, address: syntheticAddress(chain, random) }, same: 0, recipe: 'wallet: other address' })
    }
  }

  for (let i = 0; i < 200; i++) {
    const vin = syntheticVin(random)
    const plate = `${random.pick(['B', 'M', 'HH', 'AB'])}-${random.integer(900) + 100}${random.pick(['A', 'K', 'ZX'])}`
    const a: Fields = { type: 'Vehicle', vin, registrationPlate: plate, registrationCountry: 'DE', make: random.pick(['Volkswagen', 'BMW', 'Audi', 'Opel']) }
    if (i % 2 === 0) {
      const b: Fields = { type: 'Vehicle', registrationPlate: plate.replace('-', ' '), registrationCountry: 'DE', make: a.make }
      if (random.next() < 0.5) b.vin = vin
      pairs.push({ a, b, same: 1, recipe: 'vehicle: same vehicle' })
    } else {
      const b: Fields = { type: 'Vehicle', vin: syntheticVin(random), registrationPlate: random.next() < 0.3 ? plate : `${random.pick(['B', 'K'])}-${random.integer(900) + 100}Q`, registrationCountry: random.pick(['DE', 'NL']), make: a.make }
      pairs.push({ a, b, same: 0, recipe: 'vehicle: other vehicle' })
    }
  }

  for (let i = 0; i < 400; i++) {
    const family = random.integer(SYNTHETIC_FAMILY_NAMES.length)
    const given = random.integer(SYNTHETIC_GIVEN_NAMES.length)
    const born = `19${random.integer(50) + 50}-0${random.integer(9) + 1}-1${random.integer(9)}`
    const a: Fields = { type: 'Person', familyName: SYNTHETIC_FAMILY_NAMES[family]![0], givenName: SYNTHETIC_GIVEN_NAMES[given]![0], dateOfBirth: born }
    if (i % 2 === 0) {
      const b: Fields = { type: 'Person', familyName: random.pick(SYNTHETIC_FAMILY_NAMES[family]!), givenName: random.pick(SYNTHETIC_GIVEN_NAMES[given]!) }
      if (random.next() < 0.7) b.dateOfBirth = born
      pairs.push({ a, b, same: 1, recipe: 'person: transliterated name' })
    } else if (i % 4 === 1) {
      // Same name, born on another day: a namesake.
      pairs.push({ a, b: { type: 'Person', familyName: a.familyName, givenName: a.givenName, dateOfBirth: `19${random.integer(50) + 50}-1${random.integer(3)}-0${random.integer(9) + 1}` }, same: 0, recipe: 'person: namesake' })
    } else {
      const otherFamily = (family + 1 + random.integer(SYNTHETIC_FAMILY_NAMES.length - 1)) % SYNTHETIC_FAMILY_NAMES.length
      pairs.push({ a, b: { type: 'Person', familyName: random.pick(SYNTHETIC_FAMILY_NAMES[otherFamily]!), givenName: random.pick(SYNTHETIC_GIVEN_NAMES[random.integer(SYNTHETIC_GIVEN_NAMES.length)]!), ...(random.next() < 0.5 ? { dateOfBirth: born } : {}) }, same: 0, recipe: 'person: other person' })
    }
  }
  return pairs
}

function syntheticSerial (random: SeededRandom): string {
  let serial = ''
  const length = 6 + random.integer(4)
  for (let i = 0; i < length; i++) serial += SERIAL_ALPHABET[random.integer(SERIAL_ALPHABET.length)]
  return serial
}

/** Applies one or two reading errors: a look-alike swap, a separator, a dropped or doubled character. */
function perturbSerial (serial: string, random: SeededRandom): string {
  let result = serial
  const edits = 1 + random.integer(2)
  for (let e = 0; e < edits; e++) {
    const position = random.integer(result.length)
    const char = result[position]!
    const kind = random.integer(4)
    if (kind === 0 && LOOK_ALIKES[char] !== undefined) result = result.slice(0, position) + LOOK_ALIKES[char] + result.slice(position + 1)
    else if (kind === 1) result = `${result.slice(0, position)}-${result.slice(position)}`
    else if (kind === 2 && result.length > 5) result = result.slice(0, position) + result.slice(position + 1)
    else result = result.slice(0, position) + char + result.slice(position)
  }
  return result
}

/** Writes the same firearm the way another agency might: other case, calibre spelling, make in the model. */
function respellFirearm (firearm: Fields, random: SeededRandom, serial: string | undefined): Fields {
  const make = String(firearm.make)
  const model = String(firearm.model)
  const respelled: Fields = { type: 'Firearm' }
  respelled.make = random.next() < 0.5 ? make.toUpperCase() : make
  respelled.model = random.pick([model, `${make.toUpperCase()}${model.replace(/\s+Gen\s+\d/, '')}`, `${model} ${random.pick(['compact', 'Gen4', 'semi-auto'])}`])
  if (typeof firearm.calibre === 'string' && random.next() < 0.8) {
    respelled.calibre = random.pick(CALIBRE_SPELLINGS[firearm.calibre] ?? [firearm.calibre])
  }
  if (serial !== undefined) respelled.serialNumber = random.next() < 0.5 ? serial.toLowerCase() : serial
  return respelled
}

/** Changes a handle the way a returning seller does: leet digits, separators, affixes, a suffix number. */
function perturbHandle (handle: string, random: SeededRandom): string {
  switch (random.integer(5)) {
    case 0: return handle.replace(/o/i, '0').replace(/e/i, '3')
    case 1: return `${handle}${random.integer(99) + 1}`
    case 2: return `the_${handle.toLowerCase()}`
    case 3: return `${handle}_official`
    default: return handle.length > 5 ? handle.slice(0, -1) : `${handle}x`
  }
}

function syntheticAddress (chain: string, random: SeededRandom): string {
  const hex = '0123456789abcdef'
  const base58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  if (chain === 'ethereum') return `0x${Array.from({ length: 40 }, () => hex[random.integer(16)]).join('')}`
  const alphabet = base58
  const length = chain === 'monero' ? 95 : 34
  return `${chain === 'monero' ? '4' : '1'}${Array.from({ length: length - 1 }, () => alphabet[random.integer(alphabet.length)]).join('')}`
}

function syntheticVin (random: SeededRandom): string {
  const alphabet = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'
  return `WVW${Array.from({ length: 14 }, () => alphabet[random.integer(alphabet.length)]).join('')}`
}
