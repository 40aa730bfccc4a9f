import t from 'tap'
import { readFileSync } from 'node:fs'
import { AGORA_COLUMNS, readAgoraListingsCsv, readCsvRecords } from '../../src/import/csv.ts'

const AGORA_CSV = new URL('../../../data/agora-weapons-2014/agora_weapons_listings_2014Q1.csv', import.meta.url)

const HEADER = AGORA_COLUMNS.join(',')

/** Builds a valid data row with some cells replaced. `cells` are written as they are, so they may break quoting. */
function agoraRow (cells: Partial<Record<typeof AGORA_COLUMNS[number], string>> = {}): string {
  const values: Record<typeof AGORA_COLUMNS[number], string> = {
    vendor: 'DrWhite',
    title: '.45 ACP x 50',
    category: 'Weapons',
    subcategory: 'Ammunition',
    price_btc_min: '0.1',
    price_btc_max: '0.2',
    ship_from: 'USA',
    ship_to: '',
    first_seen: '2014-01-16',
    last_seen: '2014-03-06',
    crawls_seen: '3',
    listing_ids: 'abcDEF1234',
    description_snippet: '',
    feedback_text: 'Feedbacks: No feedbacks found.',
    ...cells
  }
  return AGORA_COLUMNS.map(column => values[column]).join(',')
}

t.test('real Agora file reads without errors', async t => {
  const result = readAgoraListingsCsv(readFileSync(AGORA_CSV, 'utf8'))
  t.equal(result.rows.length, 143)
  t.same(result.errors, [])
  t.equal(result.rows[0]?.line, 2)
  t.equal(result.rows[142]?.line, 144)

  const first = result.rows[0]
  t.equal(first?.vendor, 'businessdude')
  t.equal(first?.title, 'Credit Card Size Knife')
  t.equal(first?.priceBtcMin, 0.02584215)
  t.equal(first?.shipFrom, undefined, 'an empty cell is absent, not an empty string')
  t.same(first?.listingIds, ['dpfso6yRda'])
})

t.test('multiple listing ids are split', async t => {
  const result = readAgoraListingsCsv(readFileSync(AGORA_CSV, 'utf8'))
  const walther = result.rows.find(row => row.title === 'Walther PP' && row.vendor === 'nibbler')
  t.same(walther?.listingIds, ['EhJWVMX68X', 'soT0ENulpD'])
})

t.test('record spanning lines reports start line', async t => {
  for (const newline of ['\n', '\r\n']) {
    const text = ['h1,h2', 'a,"first', 'second"', 'b,c', ''].join(newline)
    const { records, errors } = readCsvRecords(text)
    t.same(errors, [])
    t.same(records.map(record => record.line), [1, 2, 4], `line numbers with ${JSON.stringify(newline)}`)
    t.same(records[1]?.fields, ['a', `first${newline}second`])
  }
})

t.test('blank lines and BOM are skipped', async t => {
  const { records, errors } = readCsvRecords('\uFEFFh1,h2\n\na,b\n\n')
  t.same(errors, [])
  t.same(records, [{ line: 1, fields: ['h1', 'h2'] }, { line: 3, fields: ['a', 'b'] }])
})

t.test('text after closing quote resumes next line', async t => {
  const { records, errors } = readCsvRecords('h1,h2\r\na,"x"y\r\nb,c\r\n')
  t.same(records.map(record => record.fields), [['h1', 'h2'], ['b', 'c']])
  t.equal(errors.length, 1)
  t.equal(errors[0]?.line, 2)
  t.equal(errors[0]?.code, 'ERR_IMPORT_ROW_INVALID')
  t.match(errors[0]?.message, /invalid CSV quoting in h2: text follows the closing quote/)
  t.match(errors[0]?.message, /Reading resumed at line 3\./)
})

t.test('unclosed quote rereads following lines', async t => {
  const { records, errors } = readCsvRecords('h1,h2\na,"open\nb,c\nd,e\n')
  t.same(records.map(record => record.line), [1, 3, 4])
  t.same(errors.map(error => error.line), [2])
  t.match(errors[0]?.message, /a quoted cell is never closed/)
})

t.test('bad rows reported with line numbers', async t => {
  const lines = [
    HEADER,
    agoraRow(),
    agoraRow({ feedback_text: 'x,extra' }),
    agoraRow({ price_btc_min: 'abc' }),
    agoraRow({ first_seen: '2014/01/16' }),
    agoraRow({ vendor: '' }),
    agoraRow({ title: 'Glock "17" Gen 4' }),
    agoraRow({ listing_ids: 'second' }),
    agoraRow({ crawls_seen: '0' }),
    agoraRow({ first_seen: '2014-03-07' }),
    agoraRow({ last_seen: '2014-02-30' }),
    agoraRow({ price_btc_min: '0.3' }),
    agoraRow({ listing_ids: '' }),
    agoraRow({ title: '', price_btc_max: '-1' })
  ]
  const { rows, errors } = readAgoraListingsCsv(lines.join('\r\n') + '\r\n')

  t.same(rows.map(row => row.line), [2, 8])
  t.same(errors.map(error => error.line), [3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14])
  t.ok(errors.every(error => error.code === 'ERR_IMPORT_ROW_INVALID'))

  const messages = errors.map(error => error.message)
  t.equal(messages[0], 'row has 15 fields but the header has 14, so check for a missing or extra comma and quote any cell that contains a comma')
  t.equal(messages[1], 'row is invalid: price_btc_min must be a non-negative decimal number such as 0.0258, got "abc"')
  t.equal(messages[2], 'row is invalid: first_seen must be a calendar date written YYYY-MM-DD, got "2014/01/16"')
  t.equal(messages[3], 'row is invalid: vendor is missing')
  t.match(messages[4], /^invalid CSV quoting in title: a quote appears inside an unquoted cell/)
  t.equal(messages[5], 'row is invalid: crawls_seen must be a positive integer, got "0"')
  t.equal(messages[6], 'row is invalid: first_seen 2014-03-07 is after last_seen 2014-03-06')
  t.equal(messages[7], 'row is invalid: last_seen must be a calendar date written YYYY-MM-DD, got "2014-02-30"')
  t.equal(messages[8], 'row is invalid: price_btc_min 0.3 is greater than price_btc_max 0.2')
  t.equal(messages[9], 'row is invalid: listing_ids is missing, and record ids are derived from the first listing id')
  t.equal(messages[10], 'row is invalid: title is missing; price_btc_max must be a non-negative decimal number such as 0.0258, got "-1"')
})

t.test('quoted cells with commas read', async t => {
  const text = `${HEADER}\n${agoraRow({ title: '"9mm Reloads 124 gr, (50 Rounds)"', description_snippet: '"He said ""fast"", and it was"' })}\n`
  const { rows, errors } = readAgoraListingsCsv(text)
  t.same(errors, [])
  t.equal(rows[0]?.title, '9mm Reloads 124 gr, (50 Rounds)')
  t.equal(rows[0]?.descriptionSnippet, 'He said "fast", and it was')
})

t.test('wrong header rejects whole file', async t => {
  const renamed = HEADER.replace('vendor', 'seller')
  const result = readAgoraListingsCsv(`${renamed}\n${agoraRow()}\n${agoraRow({ price_btc_min: 'x' })}\n`)
  t.same(result.rows, [])
  t.equal(result.errors.length, 1)
  t.equal(result.errors[0]?.line, 1)
  t.equal(result.errors[0]?.message, `header is invalid, with missing columns vendor and unknown columns "seller". The first line must be: ${HEADER}`)
})

t.test('missing header rejects whole file', async t => {
  const withoutHeader = readAgoraListingsCsv(`${agoraRow()}\n${agoraRow()}\n`)
  t.same(withoutHeader.rows, [])
  t.equal(withoutHeader.errors.length, 1)
  t.equal(withoutHeader.errors[0]?.line, 1)

  const empty = readAgoraListingsCsv('')
  t.same(empty.rows, [])
  t.same(empty.errors.map(error => error.line), [1])
  t.match(empty.errors[0]?.message, /the file is empty/)
})

t.test('header columns may be reordered', async t => {
  const reordered = [...AGORA_COLUMNS].reverse()
  const row = agoraRow().split(',').reverse().join(',')
  const { rows, errors } = readAgoraListingsCsv(`${reordered.join(',')}\n${row}\n`)
  t.same(errors, [])
  t.equal(rows[0]?.vendor, 'DrWhite')
  t.equal(rows[0]?.crawlsSeen, 3)
})

t.test('blank lines between CRLF records', async t => {
  const { records, errors } = readCsvRecords('h1,h2\r\n\r\n\r\na,"x"y\r\n\r\nb,c\r\n')
  t.same(records.map(record => [record.line, record.fields]), [[1, ['h1', 'h2']], [6, ['b', 'c']]])
  t.same(errors.map(error => error.line), [4])
  t.match(errors[0]?.message, /Reading resumed at line 5\./)
})

t.test('broken header names fields by number', async t => {
  const { records, errors } = readCsvRecords('h1,"h2"x\na,b\n')
  t.same(records.map(record => record.line), [2])
  t.match(errors[0]?.message, /^invalid CSV quoting in field 2: text follows the closing quote/)
})

t.test('month 00 is a row error', async t => {
  const text = readFileSync(new URL('../../../data/agora-weapons-2014/agora_weapons_listings_2014Q1.csv', import.meta.url), 'utf8').split('\n').slice(0, 3).join('\n').replace('2014-02-23', '2014-00-10')
  const result = readAgoraListingsCsv(text)
  t.equal(result.errors.length, 1)
  t.equal(result.errors[0]!.line, 2)
  t.match(result.errors[0]!.message, /first_seen must be a calendar date/)
})

t.test('mixed line endings keep every row', async t => {
  const lines = readFileSync(new URL('../../../data/agora-weapons-2014/agora_weapons_listings_2014Q1.csv', import.meta.url), 'utf8').split(/\r?\n/)
  const text = lines.slice(0, 4).join('\r\n') + '\r\n' + lines.slice(4, 6).join('\n') + '\n'
  const result = readAgoraListingsCsv(text)
  t.equal(result.errors.length, 0)
  t.equal(result.rows.length, 5)
})
