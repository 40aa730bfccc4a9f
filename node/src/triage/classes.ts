/** Classes of the listing triage model, in the order of its output columns. */
export const TRIAGE_CLASSES = [
  'firearm',
  'ammunition',
  'parts-or-conversion-kit',
  'blank-or-alarm-weapon',
  'melee',
  'other'
] as const

export type TriageClass = typeof TRIAGE_CLASSES[number]
