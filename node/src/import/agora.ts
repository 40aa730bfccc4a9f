import { createHash } from 'node:crypto'
import { readAgoraListingsCsv } from './csv.ts'
import type { AgoraListingRow, ImportRowError } from './csv.ts'
import { extractListing } from './extract.ts'

export type { ImportRowError } from './csv.ts'

/**
 * A record as the importer builds it: every field of its JSON Schema except `versionHash` and
 * `provenance`, which the node adds when it ingests and signs the record.
 */
export type RecordDraft = Record<string, unknown> & {
  '@context': string
  id: string
  type: 'WebListing' | 'OnlineIdentity' | 'Firearm' | 'Ammunition'
}

export interface AgoraImportOptions {
  /** Jurisdictions (ISO 3166-1 alpha-2, upper case) that run a node and can take listings. */
  jurisdictions: readonly string[]
  /** Jurisdiction that takes every listing whose ship-from country has no node or is not one country. */
  defaultJurisdiction: string
  /** Time of the import, from which `reviewBy` is counted. */
  now: Date
  /** Days until the records must be reviewed or deleted. Defaults to 1095 (three years). */
  reviewPeriodDays?: number
  legalBasis?: string
}

/** The drafts of one CSV row, all owned by the jurisdiction the row is routed to. */
export interface AgoraImportRow {
  line: number
  jurisdiction: string
  /** The row's `ship_from` text as the vendor wrote it, when not empty. */
  shipFromRaw?: string
  drafts: RecordDraft[]
}

export interface AgoraImportTotals {
  rows: number
  errors: number
  drafts: number
  draftsByType: Record<RecordDraft['type'], number>
  rowsByJurisdiction: Record<string, number>
}

export interface AgoraImportPlan {
  rows: AgoraImportRow[]
  errors: ImportRowError[]
  totals: AgoraImportTotals
}

export const DEFAULT_REVIEW_PERIOD_DAYS = 1095
export const DEFAULT_LEGAL_BASIS = 'Directive (EU) 2023/977 Art. 7 (information provided on own initiative); open-source collection under national law'

const CONTEXT = 'urn:ceasefire:context:v1'
const PLATFORM = 'Agora'
const COUNTRY_CODE = /^[A-Z]{2}$/
/** Maximum length of a local id in the protocol's record id pattern. */
const MAX_LOCAL_ID_LENGTH = 128
const DAY_MS = 24 * 60 * 60 * 1000
// A hundred years. Much larger periods would push reviewBy past the last date a Date can represent.
const MAX_REVIEW_PERIOD_DAYS = 36500

/**
 * Plans the import of the Agora weapons listings CSV without writing anything.
 *
 * Each valid row becomes a WebListing draft, the seller's OnlineIdentity (only with the first
 * row of that vendor in that jurisdiction) and, where the text names one, a Firearm or
 * Ammunition draft that the listing offers. Record ids derive from the Agora listing ids and
 * vendor names, so importing the same file again yields the same ids. Every invalid row becomes an
 * error and is left out.
 *
 * @throws RangeError when an option is invalid.
 */
export function planAgoraImport (csvText: string, options: AgoraImportOptions): AgoraImportPlan {
  const settings = readOptions(options)
  const { rows: listings, errors } = readAgoraListingsCsv(csvText)
  const localIds = assignListingLocalIds(listings)

  const rows: AgoraImportRow[] = []
  const listingLines = new Map<string, number>()
  const identitiesEmitted = new Set<string>()
  for (const listing of listings) {
    const jurisdiction = routeListing(listing.shipFrom, settings.jurisdictions, settings.defaultJurisdiction)
    const localId = localIds.get(listing) as string
    const listingId = recordId(jurisdiction, 'WebListing', localId)

    const duplicateOf = listingLines.get(listingId)
    if (duplicateOf !== undefined) {
      errors.push({
        line: listing.line,
        code: 'ERR_IMPORT_ROW_INVALID',
        message: `row repeats line ${duplicateOf} with the same listing id ${listing.listingIds[0] ?? ''}, vendor, title and subcategory, so remove one of the two rows`
      })
      continue
    }
    listingLines.set(listingId, listing.line)

    const sellerId = recordId(jurisdiction, 'OnlineIdentity', vendorLocalId(listing.vendor))
    const drafts: RecordDraft[] = []
    if (!identitiesEmitted.has(sellerId)) {
      identitiesEmitted.add(sellerId)
      drafts.push(onlineIdentityDraft(sellerId, listing.vendor, settings))
    }
    drafts.push(...listingDrafts(listing, listingId, sellerId, jurisdiction, localId, settings))

    const row: AgoraImportRow = { line: listing.line, jurisdiction, drafts }
    if (listing.shipFrom !== undefined) row.shipFromRaw = listing.shipFrom
    rows.push(row)
  }

  errors.sort((a, b) => a.line - b.line)
  return { rows, errors, totals: countTotals(rows, errors) }
}

interface ImportSettings {
  jurisdictions: readonly string[]
  defaultJurisdiction: string
  reviewBy: string
  legalBasis: string
}

function readOptions (options: AgoraImportOptions): ImportSettings {
  const invalidCodes = options.jurisdictions.filter(code => !COUNTRY_CODE.test(code))
  if (options.jurisdictions.length === 0 || invalidCodes.length > 0) {
    throw new RangeError(`jurisdictions must be a non-empty list of upper-case ISO 3166-1 alpha-2 codes, got ${JSON.stringify(options.jurisdictions)}`)
  }
  if (!COUNTRY_CODE.test(options.defaultJurisdiction)) {
    throw new RangeError(`defaultJurisdiction must be an upper-case ISO 3166-1 alpha-2 code, got ${JSON.stringify(options.defaultJurisdiction)}`)
  }
  if (Number.isNaN(options.now.getTime())) {
    throw new RangeError('now must be a valid Date')
  }

  const reviewPeriodDays = options.reviewPeriodDays ?? DEFAULT_REVIEW_PERIOD_DAYS
  if (!Number.isSafeInteger(reviewPeriodDays) || reviewPeriodDays < 1 || reviewPeriodDays > MAX_REVIEW_PERIOD_DAYS) {
    throw new RangeError(`reviewPeriodDays must be an integer from 1 to ${MAX_REVIEW_PERIOD_DAYS}, got ${reviewPeriodDays}`)
  }

  const legalBasis = options.legalBasis ?? DEFAULT_LEGAL_BASIS
  if (legalBasis.trim().length < 3 || legalBasis.length > 500) {
    throw new RangeError(`legalBasis must be 3 to 500 characters long, got ${legalBasis.length}`)
  }

  const reviewBy = new Date(options.now.getTime() + reviewPeriodDays * DAY_MS).toISOString().slice(0, 10)
  return { jurisdictions: options.jurisdictions, defaultJurisdiction: options.defaultJurisdiction, reviewBy, legalBasis }
}

/**
 * Returns the jurisdiction a listing is routed to: the country it ships from when that country
 * runs a node, otherwise the default jurisdiction.
 */
export function routeListing (shipFromRaw: string | undefined, jurisdictions: readonly string[], defaultJurisdiction: string): string {
  const country = shipFromRaw === undefined ? undefined : countryOfShipFrom(shipFromRaw)
  return country !== undefined && jurisdictions.includes(country) ? country : defaultJurisdiction
}

/**
 * Returns the ISO 3166-1 alpha-2 code of the one country a ship-from text names ("Sweden",
 * "From: USA To: USA"), or undefined for regions (EU, World), several countries and unknown
 * places.
 */
export function countryOfShipFrom (shipFromRaw: string): string | undefined {
  const from = /^\s*from:\s*(.*?)(?:\s+to:.*)?$/i.exec(shipFromRaw)?.[1] ?? shipFromRaw
  const places = from
    .replace(/[\s.]+$/, '')
    .split(/\s*(?:,|\/|&|\+|\band\b)\s*/i)
    .filter(place => place.trim() !== '')
  if (places.length !== 1) return undefined
  return COUNTRY_NAMES.get((places[0] as string).trim().toLowerCase())
}

const COUNTRY_NAMES = new Map<string, string>([
  ['usa', 'US'], ['us', 'US'], ['u.s', 'US'], ['u.s.a', 'US'], ['united states', 'US'], ['united states of america', 'US'],
  ['uk', 'GB'], ['united kingdom', 'GB'], ['great britain', 'GB'], ['england', 'GB'], ['scotland', 'GB'], ['wales', 'GB'],
  ['germany', 'DE'], ['deutschland', 'DE'],
  ['netherlands', 'NL'], ['the netherlands', 'NL'], ['holland', 'NL'], ['nederland', 'NL'],
  ['sweden', 'SE'], ['sverige', 'SE'],
  ['australia', 'AU'], ['new zealand', 'NZ'], ['canada', 'CA'], ['mexico', 'MX'], ['brazil', 'BR'],
  ['austria', 'AT'], ['belgium', 'BE'], ['bulgaria', 'BG'], ['croatia', 'HR'], ['cyprus', 'CY'],
  ['czech republic', 'CZ'], ['czechia', 'CZ'], ['denmark', 'DK'], ['estonia', 'EE'], ['finland', 'FI'],
  ['france', 'FR'], ['greece', 'GR'], ['hungary', 'HU'], ['ireland', 'IE'], ['italy', 'IT'],
  ['latvia', 'LV'], ['lithuania', 'LT'], ['luxembourg', 'LU'], ['malta', 'MT'], ['poland', 'PL'],
  ['portugal', 'PT'], ['romania', 'RO'], ['slovakia', 'SK'], ['slovenia', 'SI'], ['spain', 'ES'],
  ['norway', 'NO'], ['switzerland', 'CH'], ['iceland', 'IS'], ['serbia', 'RS'], ['bosnia and herzegovina', 'BA'],
  ['albania', 'AL'], ['montenegro', 'ME'], ['north macedonia', 'MK'], ['ukraine', 'UA'], ['russia', 'RU'],
  ['turkey', 'TR'], ['china', 'CN'], ['hong kong', 'HK'], ['india', 'IN'], ['japan', 'JP'],
  ['thailand', 'TH'], ['south africa', 'ZA']
])

/**
 * Returns the local id of every row's records: `agora-<first listing id>`. Agora kept a
 * listing's id when the vendor renamed it, so rows that share a first listing id get a suffix
 * hashed from vendor, title and subcategory, the key the file was de-duplicated on.
 */
function assignListingLocalIds (listings: AgoraListingRow[]): Map<AgoraListingRow, string> {
  const rowsPerId = new Map<string, number>()
  for (const listing of listings) {
    const firstId = listing.listingIds[0] as string
    rowsPerId.set(firstId, (rowsPerId.get(firstId) ?? 0) + 1)
  }

  const localIds = new Map<AgoraListingRow, string>()
  for (const listing of listings) {
    const firstId = listing.listingIds[0] as string
    const shared = (rowsPerId.get(firstId) ?? 0) > 1
    const suffix = shared ? `-${shortHash([listing.vendor, listing.title, listing.subcategory ?? ''].join('\n'))}` : ''
    localIds.set(listing, `agora-${firstId}${suffix}`)
  }
  return localIds
}

/**
 * Returns `agora-<handle>` with the handle lower-cased and characters outside [a-z0-9._-]
 * replaced by "-". When that replacement or the 128-character limit changed the handle, the
 * first 8 hex digits of the handle's SHA-256 are appended, so different handles almost never
 * share an id.
 *
 * NOTE: handles that differ only in letter case share one id and one OnlineIdentity. That
 * assumes Agora handles are case-insensitive, which the data neither confirms nor contradicts.
 */
function vendorLocalId (vendor: string): string {
  const prefix = 'agora-'
  const lowered = vendor.toLowerCase()
  const cleaned = lowered.replace(/[^a-z0-9._-]/g, '-')
  if (cleaned === lowered && prefix.length + cleaned.length <= MAX_LOCAL_ID_LENGTH) return prefix + cleaned

  const hash = shortHash(vendor)
  const room = MAX_LOCAL_ID_LENGTH - prefix.length - 1 - hash.length
  return `${prefix}${cleaned.slice(0, room)}-${hash}`
}

function shortHash (text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8)
}

function recordId (jurisdiction: string, type: RecordDraft['type'], localId: string): string {
  return `urn:nfp:${jurisdiction.toLowerCase()}:${type.toLowerCase().replace(/-/g, '')}:${localId}`
}

function baseFields (id: string, type: RecordDraft['type']): RecordDraft {
  return { '@context': CONTEXT, id, type }
}

function handlingFields (settings: ImportSettings): Record<string, unknown> {
  return {
    handlingCode: 'H0',
    // Marketplace text can neither be assessed for reliability nor corroborated.
    grading: { sourceReliability: 'X', informationAccuracy: 4 },
    legalBasis: settings.legalBasis,
    reviewBy: settings.reviewBy
  }
}

function onlineIdentityDraft (id: string, vendor: string, settings: ImportSettings): RecordDraft {
  return { ...baseFields(id, 'OnlineIdentity'), handle: vendor, platform: PLATFORM, ...handlingFields(settings) }
}

/** Builds the WebListing draft of a row followed by the Firearm or Ammunition draft it offers, if any. */
function listingDrafts (listing: AgoraListingRow, listingId: string, sellerId: string, jurisdiction: string, localId: string, settings: ImportSettings): RecordDraft[] {
  const extraction = extractListing({
    title: listing.title,
    ...(listing.descriptionSnippet === undefined ? {} : { description: listing.descriptionSnippet }),
    ...(listing.subcategory === undefined ? {} : { subcategory: listing.subcategory })
  })

  const offered: RecordDraft[] = []
  if (extraction.firearm !== undefined) {
    offered.push({ ...baseFields(recordId(jurisdiction, 'Firearm', localId), 'Firearm'), ...extraction.firearm, offeredIn: listingId, ...handlingFields(settings) })
  }
  if (extraction.ammunition !== undefined) {
    offered.push({ ...baseFields(recordId(jurisdiction, 'Ammunition', localId), 'Ammunition'), ...extraction.ammunition, offeredIn: listingId, ...handlingFields(settings) })
  }

  const shipFrom = listing.shipFrom === undefined ? undefined : countryOfShipFrom(listing.shipFrom)
  const webListing: RecordDraft = {
    ...baseFields(listingId, 'WebListing'),
    platform: PLATFORM,
    marketListingIds: listing.listingIds,
    title: listing.title,
    listingClass: extraction.listingClass,
    ...optionalFields({
      marketCategory: listing.category,
      marketSubcategory: listing.subcategory
    }),
    priceBtcMin: listing.priceBtcMin,
    priceBtcMax: listing.priceBtcMax,
    ...optionalFields({
      shipFrom,
      shipFromRaw: listing.shipFrom,
      shipToRaw: listing.shipTo
    }),
    firstSeen: listing.firstSeen,
    lastSeen: listing.lastSeen,
    timesSeen: listing.crawlsSeen,
    ...optionalFields({
      descriptionSnippet: listing.descriptionSnippet,
      feedbackText: listing.feedbackText
    }),
    seller: sellerId,
    ...(offered.length === 0 ? {} : { offers: offered.map(draft => draft.id) }),
    ...handlingFields(settings)
  }
  return [webListing, ...offered]
}

function optionalFields (fields: Record<string, string | undefined>): Record<string, string> {
  const present: Record<string, string> = {}
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined && value !== '') present[name] = value
  }
  return present
}

function countTotals (rows: AgoraImportRow[], errors: ImportRowError[]): AgoraImportTotals {
  const draftsByType: AgoraImportTotals['draftsByType'] = { WebListing: 0, OnlineIdentity: 0, Firearm: 0, Ammunition: 0 }
  const rowsByJurisdiction: Record<string, number> = {}
  let drafts = 0
  for (const row of rows) {
    rowsByJurisdiction[row.jurisdiction] = (rowsByJurisdiction[row.jurisdiction] ?? 0) + 1
    for (const draft of row.drafts) {
      draftsByType[draft.type]++
      drafts++
    }
  }
  return { rows: rows.length, errors: errors.length, drafts, draftsByType, rowsByJurisdiction }
}
