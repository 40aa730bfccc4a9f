import { CsvError, parse } from 'csv-parse/sync'
import type { InfoRecord } from 'csv-parse/sync'

/** A CSV row that could not be imported, with the physical line (1-based) where the row starts. */
export interface ImportRowError {
  line: number
  code: 'ERR_IMPORT_ROW_INVALID'
  message: string
}

/** One parsed CSV record and the physical line (1-based) where its first field starts. */
export interface CsvRecord {
  line: number
  fields: string[]
}

/** Columns of the Agora weapons listings file, in file order. */
export const AGORA_COLUMNS = [
  'vendor',
  'title',
  'category',
  'subcategory',
  'price_btc_min',
  'price_btc_max',
  'ship_from',
  'ship_to',
  'first_seen',
  'last_seen',
  'crawls_seen',
  'listing_ids',
  'description_snippet',
  'feedback_text'
] as const

export type AgoraColumn = typeof AGORA_COLUMNS[number]

/** One valid row of the Agora file. Empty optional cells are absent, never empty strings. */
export interface AgoraListingRow {
  line: number
  vendor: string
  title: string
  category?: string
  subcategory?: string
  priceBtcMin: number
  priceBtcMax: number
  shipFrom?: string
  shipTo?: string
  firstSeen: string
  lastSeen: string
  crawlsSeen: number
  listingIds: string[]
  descriptionSnippet?: string
  feedbackText?: string
}

export interface AgoraCsvResult {
  rows: AgoraListingRow[]
  errors: ImportRowError[]
}

export interface CsvReadResult {
  records: CsvRecord[]
  errors: ImportRowError[]
}

/**
 * Reads RFC 4180 CSV text and returns its records with the lines where they start.
 *
 * Line numbers come from byte offsets, not from csv-parse's `info.lines`, because csv-parse
 * 6.2.1 counts a CRLF inside a quoted cell as two lines. A record with invalid quoting becomes
 * an error, because csv-parse would otherwise read the rest of the input as one quoted cell.
 * Reading then starts again on the line after the error, or on the line after the opening
 * quote when a quote is never closed. Blank lines are skipped. Error messages name a field by
 * its cell in the first record, which is taken to be the header.
 */
export function readCsvRecords (text: string): CsvReadResult {
  const buffer = Buffer.from(text.replace(/^\uFEFF/, ''), 'utf8')
  const lineStarts = indexLineStarts(buffer)
  const records: CsvRecord[] = []
  const errors: ImportRowError[] = []

  let chunkStart = 0
  while (chunkStart < buffer.length) {
    // Byte offset (in the whole buffer) where the record being parsed begins.
    let recordStart = chunkStart
    try {
      parse(buffer.subarray(chunkStart), {
        // `raw` makes errors carry the text read so far, which errorOffset needs.
        raw: true,
        relax_column_count: true,
        // Files edited by hand can mix CRLF and LF; without both delimiters csv-parse keeps the
        // first one it sees and merges the rows that end otherwise.
        record_delimiter: ['\r\n', '\n'],
        on_record: (wrapped: unknown, context: InfoRecord) => {
          const fields = (wrapped as { record: string[] }).record
          // A blank line arrives as one empty field and is dropped here, not with `skip_empty_lines`,
          // because that option would leave the blank line's CR in the next record's raw text.
          if (!(fields.length === 1 && fields[0] === '')) {
            records.push({ line: lineOf(lineStarts, recordStart), fields })
          }
          // `bytes` counts up to the end of the record's line break, so the next record starts there.
          recordStart = chunkStart + context.bytes
          return null
        }
      })
      break
    } catch (error) {
      if (!(error instanceof CsvError)) throw error
      const line = lineOf(lineStarts, recordStart)
      const resumeLine = error.code === 'CSV_QUOTE_NOT_CLOSED'
        ? line + 1
        : lineOf(lineStarts, errorOffset(error, recordStart)) + 1
      const fieldNames = records[0]?.fields ?? []
      errors.push({ line, code: 'ERR_IMPORT_ROW_INVALID', message: describeCsvError(error, fieldNames, resumeLine, lineStarts.length) })
      if (resumeLine > lineStarts.length) break
      chunkStart = lineStarts[resumeLine - 1] as number
    }
  }

  return { records, errors }
}

/**
 * Reads the Agora weapons listings CSV and validates every row.
 *
 * A missing or wrong header is one error for the header line, and then no row is read.
 * Every other row either becomes an `AgoraListingRow` or one error whose message lists each
 * invalid cell with its column and value.
 */
export function readAgoraListingsCsv (csvText: string): AgoraCsvResult {
  const { records, errors: csvErrors } = readCsvRecords(csvText)

  const header = records[0]
  const firstError = csvErrors[0]
  if (header === undefined || (firstError !== undefined && firstError.line <= header.line)) {
    const problem = firstError === undefined ? 'header is missing because the file is empty' : `header could not be parsed: ${firstError.message}`
    return { rows: [], errors: [rowError(1, `${problem}. ${EXPECTED_HEADER}`)] }
  }

  const columnIndex = mapHeader(header.fields)
  if (typeof columnIndex === 'string') {
    return { rows: [], errors: [rowError(header.line, columnIndex)] }
  }

  const rows: AgoraListingRow[] = []
  const errors: ImportRowError[] = [...csvErrors]
  for (const record of records.slice(1)) {
    const result = validateAgoraRecord(record, columnIndex)
    if ('message' in result) errors.push(result)
    else rows.push(result)
  }
  errors.sort((a, b) => a.line - b.line)
  return { rows, errors }
}

const EXPECTED_HEADER = `The first line must be: ${AGORA_COLUMNS.join(',')}`

function rowError (line: number, message: string): ImportRowError {
  return { line, code: 'ERR_IMPORT_ROW_INVALID', message }
}

/** Returns the field index of every column, or an error message naming what is wrong with the header. */
function mapHeader (fields: string[]): Map<AgoraColumn, number> | string {
  const names = fields.map(field => field.trim())
  const expected = new Set<string>(AGORA_COLUMNS)
  const missing = AGORA_COLUMNS.filter(column => !names.includes(column))
  const unknown = names.filter(name => !expected.has(name))
  const duplicated = names.filter((name, index) => names.indexOf(name) !== index)

  if (missing.length > 0 || unknown.length > 0 || duplicated.length > 0) {
    const problems = [
      missing.length > 0 ? `missing columns ${missing.join(', ')}` : '',
      unknown.length > 0 ? `unknown columns ${unknown.map(name => JSON.stringify(name)).join(', ')}` : '',
      duplicated.length > 0 ? `repeated columns ${duplicated.join(', ')}` : ''
    ].filter(problem => problem !== '')
    return `header is invalid, with ${problems.join(' and ')}. ${EXPECTED_HEADER}`
  }

  return new Map(AGORA_COLUMNS.map(column => [column, names.indexOf(column)]))
}

const MAX_LENGTHS: ReadonlyArray<[AgoraColumn, number]> = [
  ['vendor', 200],
  ['title', 1000],
  ['category', 500],
  ['subcategory', 500],
  ['ship_from', 500],
  ['ship_to', 500],
  ['description_snippet', 5000],
  ['feedback_text', 5000]
]

const DECIMAL = /^\d+(?:\.\d+)?$/
const POSITIVE_INTEGER = /^[1-9]\d*$/
const LISTING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/
const MAX_LISTING_IDS = 100

function validateAgoraRecord (record: CsvRecord, columnIndex: Map<AgoraColumn, number>): AgoraListingRow | ImportRowError {
  if (record.fields.length !== columnIndex.size) {
    return rowError(record.line, `row has ${record.fields.length} fields but the header has ${columnIndex.size}, ` +
      'so check for a missing or extra comma and quote any cell that contains a comma')
  }

  const cell = (column: AgoraColumn): string => (record.fields[columnIndex.get(column) as number] as string).trim()
  const optional = (column: AgoraColumn): string | undefined => cell(column) === '' ? undefined : cell(column)
  const problems: string[] = []

  for (const column of ['vendor', 'title'] as const) {
    if (cell(column) === '') problems.push(`${column} is missing`)
  }
  for (const [column, maxLength] of MAX_LENGTHS) {
    const length = [...cell(column)].length
    if (length > maxLength) problems.push(`${column} is ${length} characters long, more than the maximum of ${maxLength}`)
  }

  const priceBtcMin = readDecimal('price_btc_min', cell('price_btc_min'), problems)
  const priceBtcMax = readDecimal('price_btc_max', cell('price_btc_max'), problems)
  if (priceBtcMin !== undefined && priceBtcMax !== undefined && priceBtcMin > priceBtcMax) {
    problems.push(`price_btc_min ${cell('price_btc_min')} is greater than price_btc_max ${cell('price_btc_max')}`)
  }

  const firstSeen = readDate('first_seen', cell('first_seen'), problems)
  const lastSeen = readDate('last_seen', cell('last_seen'), problems)
  if (firstSeen !== undefined && lastSeen !== undefined && firstSeen > lastSeen) {
    problems.push(`first_seen ${firstSeen} is after last_seen ${lastSeen}`)
  }

  const crawlsSeenText = cell('crawls_seen')
  const crawlsSeen = Number(crawlsSeenText)
  if (!POSITIVE_INTEGER.test(crawlsSeenText) || !Number.isSafeInteger(crawlsSeen)) {
    problems.push(`crawls_seen must be a positive integer, got ${quote(crawlsSeenText)}`)
  }

  const listingIds = readListingIds(cell('listing_ids'), problems)

  if (problems.length > 0) {
    // A semicolon separates the problems because the messages themselves contain commas.
    return rowError(record.line, `row is invalid: ${problems.join('; ')}`)
  }

  const row: AgoraListingRow = {
    line: record.line,
    vendor: cell('vendor'),
    title: cell('title'),
    priceBtcMin: priceBtcMin as number,
    priceBtcMax: priceBtcMax as number,
    firstSeen: firstSeen as string,
    lastSeen: lastSeen as string,
    crawlsSeen,
    listingIds
  }
  const optionalCells: Array<[AgoraColumn, 'category' | 'subcategory' | 'shipFrom' | 'shipTo' | 'descriptionSnippet' | 'feedbackText']> = [
    ['category', 'category'],
    ['subcategory', 'subcategory'],
    ['ship_from', 'shipFrom'],
    ['ship_to', 'shipTo'],
    ['description_snippet', 'descriptionSnippet'],
    ['feedback_text', 'feedbackText']
  ]
  for (const [column, key] of optionalCells) {
    const value = optional(column)
    if (value !== undefined) row[key] = value
  }
  return row
}

function readDecimal (column: AgoraColumn, text: string, problems: string[]): number | undefined {
  const value = Number(text)
  if (!DECIMAL.test(text) || !Number.isFinite(value)) {
    problems.push(`${column} must be a non-negative decimal number such as 0.0258, got ${quote(text)}`)
    return undefined
  }
  return value
}

function readDate (column: AgoraColumn, text: string, problems: string[]): string | undefined {
  // Date.parse accepts 2014-02-30 and rolls it over, so the round trip rejects impossible dates.
  const time = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN
  const valid = !Number.isNaN(time) && new Date(time).toISOString().startsWith(text)
  if (!valid) {
    problems.push(`${column} must be a calendar date written YYYY-MM-DD, got ${quote(text)}`)
    return undefined
  }
  return text
}

function readListingIds (text: string, problems: string[]): string[] {
  const ids = [...new Set(text.split(/\s+/).filter(id => id !== ''))]
  if (ids.length === 0) {
    problems.push('listing_ids is missing, and record ids are derived from the first listing id')
    return ids
  }
  const invalid = ids.filter(id => !LISTING_ID.test(id))
  if (invalid.length > 0) {
    problems.push(`listing_ids contains ${invalid.map(quote).join(', ')}, but an id must be 1 to 100 letters, digits, '.', '_' or '-' ` +
      'starting with a letter or digit, and ids are separated by spaces')
  }
  if (ids.length > MAX_LISTING_IDS) {
    problems.push(`listing_ids has ${ids.length} ids, more than the maximum of ${MAX_LISTING_IDS}`)
  }
  return ids
}

function quote (value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
}

/** Returns the byte offset where each physical line starts. CRLF, LF and a lone CR each end a line. */
function indexLineStarts (buffer: Buffer): number[] {
  const starts = [0]
  for (let i = 0; i < buffer.length; i++) {
    const byte = buffer[i]
    if (byte === 0x0a || (byte === 0x0d && buffer[i + 1] !== 0x0a)) starts.push(i + 1)
  }
  if (starts[starts.length - 1] === buffer.length) starts.pop()
  return starts
}

function lineOf (lineStarts: number[], offset: number): number {
  let low = 0
  let high = lineStarts.length - 1
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if ((lineStarts[middle] as number) <= offset) low = middle
    else high = middle - 1
  }
  return low + 1
}

/**
 * Returns the byte offset of the character that csv-parse rejected. With `raw: true` the error
 * carries the record's text read so far, which starts at the record's first byte.
 */
function errorOffset (error: CsvError, recordStart: number): number {
  const raw = typeof error.raw === 'string' ? error.raw : ''
  return recordStart + Math.max(0, Buffer.byteLength(raw, 'utf8') - 1)
}

function describeCsvError (error: CsvError, fieldNames: readonly string[], resumeLine: number, lineCount: number): string {
  const index = typeof error.column === 'number' ? error.column : undefined
  const name = index === undefined ? undefined : fieldNames[index]?.trim()
  const field = index === undefined ? 'a field' : (name === undefined || name === '' ? `field ${index + 1}` : name)
  const resumed = resumeLine > lineCount ? '' : ` Reading resumed at line ${resumeLine}.`
  switch (error.code) {
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `invalid CSV quoting in ${field}: text follows the closing quote. Write a quote inside a quoted cell as two quotes ("").${resumed}`
    case 'INVALID_OPENING_QUOTE':
      return `invalid CSV quoting in ${field}: a quote appears inside an unquoted cell. Quote the whole cell and double the inner quote.${resumed}`
    case 'CSV_QUOTE_NOT_CLOSED':
      return `invalid CSV quoting in ${field}: a quoted cell is never closed.${resumed}`
    default:
      return `CSV could not be parsed (${error.code}: ${error.message}).${resumed}`
  }
}
