/**
 * Synthetic persons for the demo. No real person's data is shipped: names are drawn from
 * lists of common given and family names with a seeded generator, dates of birth and document
 * numbers are random, and `provenance.sourceReference` of every record marks it as synthetic.
 */

const GIVEN = ['Anna', 'Erik', 'Lena', 'Jonas', 'Sara', 'Mikael', 'Eva', 'Lukas', 'Sofie', 'Daan', 'Emma', 'Noah']
const FAMILY = ['Berg', 'Lund', 'Schneider', 'Visser', 'Nilsson', 'Bakker', 'Fischer', 'Holm', 'de Vries', 'Wagner']

export interface SyntheticPersonOptions {
  jurisdiction: string
  localId: string
  subjectCategory: 'suspect' | 'convicted' | 'potential-offender' | 'victim' | 'witness' | 'contact' | 'informant'
  seed: number
  reviewBy: string
  linkedRecords?: string[]
}

/** Builds a schema-valid Person draft with invented identity details. */
export function syntheticPerson (options: SyntheticPersonOptions): Record<string, unknown> & { id: string } {
  const random = mulberry32(options.seed)
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T
  const year = 1965 + Math.floor(random() * 35)
  const month = 1 + Math.floor(random() * 12)
  const day = 1 + Math.floor(random() * 28)
  const docNumber = Array.from({ length: 9 }, () => Math.floor(random() * 10)).join('')

  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:${options.jurisdiction.toLowerCase()}:person:${options.localId}`,
    type: 'Person',
    provenance: { sourceReference: 'SYNTHETIC-DEMO: invented person, not real data' },
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7 (information provided on own initiative)',
    reviewBy: options.reviewBy,
    subjectCategory: options.subjectCategory,
    givenName: pick(GIVEN),
    familyName: pick(FAMILY),
    dateOfBirth: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    placeOfBirth: 'Synthetic Town',
    nationality: [options.jurisdiction],
    sex: pick(['female', 'male']),
    address: `${1 + Math.floor(random() * 90)} Example Street, Synthetic Town`,
    identityDocuments: [{ documentType: 'passport', documentNumber: `X${docNumber}`, issuingCountry: options.jurisdiction }],
    ...(options.linkedRecords === undefined ? {} : { linkedRecords: options.linkedRecords })
  }
}

// Small seeded generator so every demo run invents the same persons.
function mulberry32 (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
