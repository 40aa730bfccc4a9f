import { compareCalibres } from './calibre.ts'
import { normaliseMake, normaliseModel } from './make-model.ts'
import { foldLookAlikes, handleSkeleton, normalisePlate, normaliseSerial, normaliseWalletAddress, transliterateName } from './normalise.ts'
import { similarity } from './text-similarity.ts'

/** Record types that linking compares, and the kind of link a match between two of them means. */
export const LINK_KINDS = {
  Firearm: 'same-firearm',
  OnlineIdentity: 'same-online-identity',
  CryptoWallet: 'same-wallet',
  Vehicle: 'same-vehicle',
  Person: 'same-person'
} as const

export type LinkableType = keyof typeof LINK_KINDS
export type LinkKind = typeof LINK_KINDS[LinkableType]

/**
 * Names of the features, in the order of the model's input columns. A feature that does not
 * apply to a record type, or whose field is missing on either record, is 0; the `*_missing`
 * columns let the model tell "absent" from "different".
 */
export const FEATURE_NAMES = [
  'serial_similarity',
  'serial_exact',
  'serial_missing',
  'make_agree',
  'make_differ',
  'model_agree',
  'model_differ',
  'calibre_same',
  'calibre_approximate',
  'calibre_differ',
  'handle_similarity',
  'handle_skeleton_equal',
  'platform_same',
  'name_similarity',
  'birth_date_agree',
  'birth_date_differ',
  'identifier_equal',
  'identifier_differ',
  'plate_similarity'
] as const

export type FeatureName = typeof FEATURE_NAMES[number]

/** One line of evidence: a compared feature and how the two records compared on it. */
export interface Evidence {
  feature: string
  outcome: 'agree' | 'similar' | 'differ'
  similarity?: number
}

export interface PairFeatures {
  kind: LinkKind
  /** Feature values in the order of FEATURE_NAMES. */
  values: Float32Array
  evidence: Evidence[]
}

type Fields = Readonly<Record<string, unknown>>

/** Similarity at or above which a text comparison counts as `similar` rather than `differ` in the evidence. */
const SIMILAR_AT = 0.75

/**
 * Computes the features of a pair of records of the same linkable type, or returns undefined
 * when the types differ or are not linkable. The evidence names features and outcomes only,
 * never the compared values, so it can travel in a RecordLink without repeating personal data.
 */
export function pairFeatures (a: Fields, b: Fields): PairFeatures | undefined {
  const type = a.type
  if (type !== b.type || typeof type !== 'string' || !(type in LINK_KINDS)) return undefined
  const features = new FeatureSet()
  switch (type as LinkableType) {
    case 'Firearm': firearmFeatures(a, b, features); break
    case 'OnlineIdentity': identityFeatures(a, b, features); break
    case 'CryptoWallet': walletFeatures(a, b, features); break
    case 'Vehicle': vehicleFeatures(a, b, features); break
    case 'Person': personFeatures(a, b, features); break
  }
  return { kind: LINK_KINDS[type as LinkableType], values: features.values, evidence: features.evidence }
}

class FeatureSet {
  readonly values = new Float32Array(FEATURE_NAMES.length)
  readonly evidence: Evidence[] = []

  set (name: FeatureName, value: number): void {
    this.values[FEATURE_NAMES.indexOf(name)] = value
  }

  /** Records an agree/differ pair of columns and its evidence line. */
  agreement (field: string, agree: FeatureName, differ: FeatureName, equal: boolean): void {
    this.set(equal ? agree : differ, 1)
    this.evidence.push({ feature: field, outcome: equal ? 'agree' : 'differ' })
  }

  /** Records a similarity column and its evidence line. */
  similar (field: string, name: FeatureName, value: number): void {
    this.set(name, value)
    let outcome: Evidence['outcome'] = 'differ'
    if (value >= SIMILAR_AT) outcome = 'similar'
    if (value === 1) outcome = 'agree'
    this.evidence.push({ feature: field, outcome, similarity: round(value) })
  }
}

function text (record: Fields, field: string): string | undefined {
  const value = record[field]
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

function firearmFeatures (a: Fields, b: Fields, features: FeatureSet): void {
  const serialA = text(a, 'serialNumber')
  const serialB = text(b, 'serialNumber')
  if (serialA === undefined || serialB === undefined) {
    features.set('serial_missing', 1)
  } else {
    const first = normaliseSerial(serialA)
    const second = normaliseSerial(serialB)
    features.similar('serialNumber', 'serial_similarity', similarity(first, second, true))
    if (first === second || foldLookAlikes(first) === foldLookAlikes(second)) features.set('serial_exact', 1)
  }

  const makeA = text(a, 'make')
  const makeB = text(b, 'make')
  if (makeA !== undefined && makeB !== undefined) {
    features.agreement('make', 'make_agree', 'make_differ', normaliseMake(makeA) === normaliseMake(makeB))
  }
  const modelA = text(a, 'model')
  const modelB = text(b, 'model')
  if (modelA !== undefined && modelB !== undefined) {
    const first = normaliseModel(modelA, makeA)
    const second = normaliseModel(modelB, makeB)
    features.agreement('model', 'model_agree', 'model_differ', first !== '' && first === second)
  }

  const calibre = compareCalibres(text(a, 'calibre'), text(b, 'calibre'))
  if (calibre === 'same') features.agreement('calibre', 'calibre_same', 'calibre_differ', true)
  if (calibre === 'different') features.agreement('calibre', 'calibre_same', 'calibre_differ', false)
  if (calibre === 'approximate') {
    features.set('calibre_approximate', 1)
    features.evidence.push({ feature: 'calibre', outcome: 'similar' })
  }
}

function identityFeatures (a: Fields, b: Fields, features: FeatureSet): void {
  const handleA = text(a, 'handle') ?? ''
  const handleB = text(b, 'handle') ?? ''
  features.similar('handle', 'handle_similarity', similarity(handleA.toLowerCase(), handleB.toLowerCase(), true))
  const skeletonA = handleSkeleton(handleA)
  if (skeletonA.length >= 3 && skeletonA === handleSkeleton(handleB)) {
    features.set('handle_skeleton_equal', 1)
    features.evidence.push({ feature: 'handleSkeleton', outcome: 'agree' })
  }
  const platformA = text(a, 'platform')
  const platformB = text(b, 'platform')
  if (platformA !== undefined && platformB !== undefined && platformA.toLowerCase() === platformB.toLowerCase()) {
    features.set('platform_same', 1)
    features.evidence.push({ feature: 'platform', outcome: 'agree' })
  }
}

function walletFeatures (a: Fields, b: Fields, features: FeatureSet): void {
  const chainA = text(a, 'chain')
  const chainB = text(b, 'chain')
  if (chainA === undefined || chainB === undefined || chainA !== chainB) {
    // Equal strings on two chains are two different wallets.
    features.agreement('chain', 'identifier_equal', 'identifier_differ', false)
    return
  }
  const equal = normaliseWalletAddress(chainA, text(a, 'address') ?? '') === normaliseWalletAddress(chainB, text(b, 'address') ?? '')
  features.agreement('address', 'identifier_equal', 'identifier_differ', equal)
}

function vehicleFeatures (a: Fields, b: Fields, features: FeatureSet): void {
  const vinA = text(a, 'vin')
  const vinB = text(b, 'vin')
  if (vinA !== undefined && vinB !== undefined) {
    features.agreement('vin', 'identifier_equal', 'identifier_differ', vinA.toUpperCase() === vinB.toUpperCase())
  }
  const plateA = text(a, 'registrationPlate')
  const plateB = text(b, 'registrationPlate')
  if (plateA !== undefined && plateB !== undefined) {
    const sameCountry = text(a, 'registrationCountry') === text(b, 'registrationCountry')
    // The same plate text in two countries is two vehicles, so it scores as a weak similarity.
    const value = similarity(normalisePlate(plateA), normalisePlate(plateB), true) * (sameCountry ? 1 : 0.5)
    features.similar('registrationPlate', 'plate_similarity', value)
  }
  const makeA = text(a, 'make')
  const makeB = text(b, 'make')
  if (makeA !== undefined && makeB !== undefined) {
    features.agreement('make', 'make_agree', 'make_differ', normaliseMake(makeA) === normaliseMake(makeB))
  }
}

function personFeatures (a: Fields, b: Fields, features: FeatureSet): void {
  const nameA = transliterateName(`${text(a, 'givenName') ?? ''} ${text(a, 'familyName') ?? ''}`)
  const nameB = transliterateName(`${text(b, 'givenName') ?? ''} ${text(b, 'familyName') ?? ''}`)
  const aliasesB = Array.isArray(b.aliases) ? b.aliases.filter((x): x is string => typeof x === 'string').map(transliterateName) : []
  const best = Math.max(similarity(nameA, nameB), ...aliasesB.map(alias => similarity(nameA, alias)))
  features.similar('name', 'name_similarity', best)

  const birthA = text(a, 'dateOfBirth')
  const birthB = text(b, 'dateOfBirth')
  if (birthA !== undefined && birthB !== undefined) {
    features.agreement('dateOfBirth', 'birth_date_agree', 'birth_date_differ', birthA === birthB)
  }
  const documentsA = documentNumbers(a)
  const documentsB = documentNumbers(b)
  if (documentsA.length > 0 && documentsB.length > 0) {
    const shared = documentsA.some(d => documentsB.includes(d))
    if (shared) features.agreement('identityDocuments', 'identifier_equal', 'identifier_differ', true)
  }
}

function documentNumbers (record: Fields): string[] {
  const documents = Array.isArray(record.identityDocuments) ? record.identityDocuments as Array<Record<string, unknown>> : []
  return documents.map(d => typeof d.documentNumber === 'string' ? normaliseSerial(d.documentNumber) : '').filter(d => d !== '')
}

function round (value: number): number {
  return Math.round(value * 1000) / 1000
}
