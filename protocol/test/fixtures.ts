import { withVersionHash } from '../src/record.ts'
import type { NfpRecord } from '../src/record.ts'

/** A complete, valid Firearm record of SE, with its version hash. */
export function firearmRecord (overrides: Record<string, unknown> = {}): NfpRecord {
  const draft = {
    '@context': 'urn:ceasefire:context:v1',
    id: 'urn:nfp:se:firearm:test-1',
    type: 'Firearm',
    provenance: { jurisdiction: 'SE', agency: 'Polismyndigheten NOA', created: '2026-01-05T10:00:00.000Z', modified: '2026-01-05T10:00:00.000Z' },
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2029-01-05',
    make: 'Glock',
    model: '17 Gen 4',
    calibre: '9x19mm Parabellum',
    firearmKind: 'pistol',
    ...overrides
  }
  return withVersionHash(draft) as unknown as NfpRecord
}
