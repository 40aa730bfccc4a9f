import { readFileSync } from 'node:fs'
import { parse } from 'csv-parse/sync'
import { readAgoraListingsCsv } from '../../node/src/import/csv.ts'
import { TRIAGE_CLASSES } from '../../node/src/triage/classes.ts'
import type { TriageClass } from '../../node/src/triage/classes.ts'

export const LISTINGS_CSV = new URL('../../data/agora-weapons-2014/agora_weapons_listings_2014Q1.csv', import.meta.url)
export const LABELS_CSV = new URL('../../data/agora-weapons-2014/labels/triage-labels.csv', import.meta.url)

/** One real listing with its hand label. */
export interface LabelledListing {
  line: number
  title: string
  description?: string
  subcategory?: string
  label: TriageClass
  make?: string
  model?: string
  calibre?: string
  certain: boolean
}

/**
 * Reads the Agora listings and joins each with its hand label by CSV line number.
 *
 * @throws Error when a listing has no label, a label names a listing that does not exist, or
 *   the titles differ (the label file was written for another version of the data).
 */
export function readLabelledListings (): LabelledListing[] {
  const { rows, errors } = readAgoraListingsCsv(readFileSync(LISTINGS_CSV, 'utf8'))
  if (errors.length > 0) throw new Error(`listings CSV has invalid rows: ${errors.map(e => e.line).join(', ')}`)
  const labels = parse(readFileSync(LABELS_CSV, 'utf8'), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>
  const byLine = new Map(labels.map(label => [Number(label.line), label]))
  if (byLine.size !== rows.length) throw new Error(`label file has ${byLine.size} labels for ${rows.length} listings`)

  return rows.map(row => {
    const label = byLine.get(row.line)
    if (label === undefined) throw new Error(`listing on line ${row.line} has no label`)
    if (label.title !== row.title) throw new Error(`label of line ${row.line} is for title ${JSON.stringify(label.title)}, the listing is ${JSON.stringify(row.title)}`)
    if (!(TRIAGE_CLASSES as readonly string[]).includes(label.class ?? '')) throw new Error(`label of line ${row.line} has unknown class ${JSON.stringify(label.class)}`)
    const listing: LabelledListing = { line: row.line, title: row.title, label: label.class as TriageClass, certain: label.certain === 'yes' }
    if (row.descriptionSnippet !== undefined) listing.description = row.descriptionSnippet
    if (row.subcategory !== undefined) listing.subcategory = row.subcategory
    if (label.make !== '') listing.make = label.make
    if (label.model !== '') listing.model = label.model
    if (label.calibre !== '') listing.calibre = label.calibre
    return listing
  })
}
