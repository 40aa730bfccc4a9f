import { extractListing } from '../import/extract.ts'
import type { ListingTextInput } from './features.ts'

/** One extracted field with the confidence that the listing offers it. */
export interface ExtractedField {
  value: string
  confidence: number
}

export interface ExtractedOffer {
  make?: ExtractedField
  model?: ExtractedField
  calibre?: ExtractedField
}

/**
 * How often a field that the rules read was right, by where they read it. These are set from
 * the hand labels of the Agora 2014 listings (see the triage model card): the rules were tuned on
 * the same titles, so the figures are upper bounds for other markets.
 */
const SOURCE_CONFIDENCE = { title: 0.9, description: 0.6 }

/**
 * Extracts the make, model and calibre that a listing offers, each with a confidence. The
 * confidence is that of the place the importer's rules read the field from (title or
 * description), times the probability that the listing sells a firearm, a part or ammunition.
 */
export function extractOffer (listing: ListingTextInput, weaponProbability: number): ExtractedOffer {
  const full = fieldsOf(listing)
  const titleOnly = fieldsOf({ title: listing.title, ...(listing.subcategory === undefined ? {} : { subcategory: listing.subcategory }) })
  const offer: ExtractedOffer = {}
  for (const field of ['make', 'model', 'calibre'] as const) {
    const value = full[field]
    if (value === undefined) continue
    const source = titleOnly[field] === value ? 'title' : 'description'
    offer[field] = { value, confidence: Math.round(SOURCE_CONFIDENCE[source] * weaponProbability * 1000) / 1000 }
  }
  return offer
}

function fieldsOf (listing: ListingTextInput): { make?: string, model?: string, calibre?: string } {
  // The importer's class decides which of its extractors runs. Triage runs both, because its
  // own model decides the class.
  const asFirearm = extractListing({ ...listing, subcategory: 'Lethal firearms' })
  const asAmmunition = extractListing({ ...listing, subcategory: 'Ammunition' })
  const firearm = asFirearm.firearm
  const ammunition = asAmmunition.ammunition
  const fields: { make?: string, model?: string, calibre?: string } = {}
  const make = firearm?.make ?? ammunition?.make
  const model = firearm?.model
  const calibre = firearm?.calibre ?? ammunition?.calibre
  if (make !== undefined) fields.make = make
  if (model !== undefined) fields.model = model
  if (calibre !== undefined) fields.calibre = calibre
  return fields
}
