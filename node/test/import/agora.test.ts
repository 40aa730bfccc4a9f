import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { AGORA_COLUMNS } from '../../src/import/csv.ts'
import { DEFAULT_LEGAL_BASIS, countryOfShipFrom, planAgoraImport } from '../../src/import/agora.ts'
import type { AgoraImportPlan, RecordDraft } from '../../src/import/agora.ts'

const AGORA_CSV = readFileSync(new URL('../../../data/agora-weapons-2014/agora_weapons_listings_2014Q1.csv', import.meta.url), 'utf8')
const SCHEMA_DIR = new URL('../../../protocol/schemas/', import.meta.url)
const NOW = new Date('2025-01-01T12:00:00Z')
const OPTIONS = { jurisdictions: ['DE', 'NL', 'SE'], defaultJurisdiction: 'NL', now: NOW }

function allDrafts (plan: AgoraImportPlan): RecordDraft[] {
  return plan.rows.flatMap(row => row.drafts)
}

function draftById (plan: AgoraImportPlan, id: string): RecordDraft | undefined {
  return allDrafts(plan).find(draft => draft.id === id)
}

/** Loads every JSON Schema of the protocol into one Ajv 2020 instance, with formats checked. */
function recordValidators (): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false })
  const addFormats = addFormatsModule as unknown as (instance: Ajv2020) => Ajv2020
  addFormats(ajv)
  for (const file of readdirSync(SCHEMA_DIR).filter(name => name.endsWith('.schema.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')))
  }
  return ajv
}

t.test('real file plans without errors', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  t.same(plan.errors, [])
  t.equal(plan.rows.length + plan.errors.length, 143)
  t.equal(plan.totals.rows, 143)
  t.equal(plan.totals.errors, 0)
  t.same(plan.totals.draftsByType, { WebListing: 143, OnlineIdentity: 26, Firearm: 63, Ammunition: 26 })
  t.equal(plan.totals.drafts, 143 + 26 + 63 + 26)
  t.same(new Set(plan.rows.map(row => row.line)).size, 143, 'every row has its own line')
})

t.test('routing counts per jurisdiction', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  t.same(plan.totals.rowsByJurisdiction, { NL: 119, DE: 6, SE: 18 })

  for (const row of plan.rows) {
    const listing = row.drafts.find(draft => draft.type === 'WebListing')
    if (row.shipFromRaw === 'Sweden') t.equal(row.jurisdiction, 'SE')
    else if (row.shipFromRaw === 'Germany') t.equal(row.jurisdiction, 'DE')
    else t.equal(row.jurisdiction, 'NL', `line ${row.line} ships from ${row.shipFromRaw ?? 'nowhere'}`)
    t.equal(listing?.shipFromRaw, row.shipFromRaw, `line ${row.line} keeps ship_from`)
  }

  const usa = plan.rows.filter(row => row.shipFromRaw === 'USA')
  t.equal(usa.length, 30)
  t.ok(usa.every(row => row.jurisdiction === 'NL'), 'US has no node in this setup')
  t.ok(usa.every(row => row.drafts.find(draft => draft.type === 'WebListing')?.shipFrom === 'US'))

  const netherlands = plan.rows.filter(row => row.shipFromRaw === 'Netherlands')
  t.equal(netherlands.length, 3)
  t.ok(netherlands.every(row => row.jurisdiction === 'NL'))

  const eu = plan.rows.find(row => row.shipFromRaw === 'From: EU To: EU')
  t.equal(eu?.jurisdiction, 'NL')
  t.notOk('shipFrom' in (eu?.drafts.find(draft => draft.type === 'WebListing') ?? {}), 'EU is not one country')

  const empty = plan.rows.filter(row => row.shipFromRaw === undefined)
  t.equal(empty.length, 40)
  t.ok(empty.every(row => row.jurisdiction === 'NL'))
})

t.test('US node takes US listings', async t => {
  const plan = planAgoraImport(AGORA_CSV, { ...OPTIONS, jurisdictions: ['DE', 'NL', 'SE', 'US'] })
  t.equal(plan.totals.rowsByJurisdiction.US, 31, '30 from "USA" and 1 from "From: USA To: USA"')
})

t.test('ship-from text to country code', async t => {
  const cases: Array<[string, string | undefined]> = [
    ['Sweden', 'SE'],
    ['Germany', 'DE'],
    ['Netherlands', 'NL'],
    ['USA', 'US'],
    ['Australia', 'AU'],
    ['From: USA To: USA', 'US'],
    ['From: Australia To: Australia', 'AU'],
    ['From: EU To: EU', undefined],
    ['From: World To: World.', undefined],
    ['EU', undefined],
    ['World', undefined],
    ['Torland', undefined],
    ['Cheqdropz', undefined],
    ['Germany, Netherlands', undefined]
  ]
  for (const [text, expected] of cases) {
    t.equal(countryOfShipFrom(text), expected, text)
  }
})

t.test('Tulammo listing ids and links', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  const listing = draftById(plan, 'urn:nfp:nl:weblisting:agora-L7wNSNqZak')
  const ammunition = draftById(plan, 'urn:nfp:nl:ammunition:agora-L7wNSNqZak')
  const seller = draftById(plan, 'urn:nfp:nl:onlineidentity:agora-drwhite')

  t.same(listing, {
    '@context': 'urn:ceasefire:context:v1',
    id: 'urn:nfp:nl:weblisting:agora-L7wNSNqZak',
    type: 'WebListing',
    platform: 'Agora',
    marketListingIds: ['L7wNSNqZak'],
    title: 'Tulammo Brand 7.62 X 39 (20 Rounds)',
    listingClass: 'ammunition',
    marketCategory: 'Weapons',
    marketSubcategory: 'Ammunition',
    priceBtcMin: 0.03029079,
    priceBtcMax: 0.04462957,
    shipFrom: 'US',
    shipFromRaw: 'USA',
    firstSeen: '2014-01-16',
    lastSeen: '2014-03-06',
    timesSeen: 7,
    descriptionSnippet: 'Tulammo Brand 7.62 X 39 (20 Rounds) Tulammo 7.62 X 39 Ammo. Kept in Water and Air Tight Storage. Fast + Secure Shipping! ***** I SHIP TO US ONLY!!!***** Secure FAST Shipping My service is SAFE SECURE and RELIABLE with a 99%+ de ...',
    feedbackText: 'Feedbacks: No feedbacks found.',
    seller: 'urn:nfp:nl:onlineidentity:agora-drwhite',
    offers: ['urn:nfp:nl:ammunition:agora-L7wNSNqZak'],
    handlingCode: 'H0',
    grading: { sourceReliability: 'X', informationAccuracy: 4 },
    legalBasis: DEFAULT_LEGAL_BASIS,
    reviewBy: '2028-01-01'
  })
  t.same(ammunition, {
    '@context': 'urn:ceasefire:context:v1',
    id: 'urn:nfp:nl:ammunition:agora-L7wNSNqZak',
    type: 'Ammunition',
    make: 'TulAmmo',
    calibre: '7.62x39mm',
    quantity: 20,
    offeredIn: 'urn:nfp:nl:weblisting:agora-L7wNSNqZak',
    handlingCode: 'H0',
    grading: { sourceReliability: 'X', informationAccuracy: 4 },
    legalBasis: DEFAULT_LEGAL_BASIS,
    reviewBy: '2028-01-01'
  })
  t.same(seller, {
    '@context': 'urn:ceasefire:context:v1',
    id: 'urn:nfp:nl:onlineidentity:agora-drwhite',
    type: 'OnlineIdentity',
    handle: 'DrWhite',
    platform: 'Agora',
    handlingCode: 'H0',
    grading: { sourceReliability: 'X', informationAccuracy: 4 },
    legalBasis: DEFAULT_LEGAL_BASIS,
    reviewBy: '2028-01-01'
  })
})

t.test('Swedish listing lands at SE', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  const row = plan.rows.find(candidate => candidate.drafts.some(draft => draft.id === 'urn:nfp:se:weblisting:agora-G08gwvxUqS'))
  t.equal(row?.jurisdiction, 'SE')
  t.equal(row?.shipFromRaw, 'Sweden')
  const listing = draftById(plan, 'urn:nfp:se:weblisting:agora-G08gwvxUqS')
  t.equal(listing?.shipFrom, 'SE')
  t.equal(listing?.shipToRaw, 'EU')
  t.equal(listing?.seller, 'urn:nfp:se:onlineidentity:agora-xdoc')
  t.same(listing?.offers, ['urn:nfp:se:ammunition:agora-G08gwvxUqS'])
})

t.test('one identity per vendor and jurisdiction', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  const identities = allDrafts(plan).filter(draft => draft.type === 'OnlineIdentity').map(draft => draft.id)
  t.equal(identities.length, new Set(identities).size, 'no identity is emitted twice')
  t.ok(identities.includes('urn:nfp:de:onlineidentity:agora-maxmustermann'))
  t.ok(identities.includes('urn:nfp:nl:onlineidentity:agora-maxmustermann'), 'MaxMustermann also has rows without ship_from')

  const listings = allDrafts(plan).filter(draft => draft.type === 'WebListing')
  const sellers = new Set(listings.map(draft => draft.seller))
  t.same(sellers, new Set(identities), 'every identity sells something and every seller exists')

  // The identity travels with the vendor's first row in each jurisdiction.
  const drWhiteRows = plan.rows.filter(row => row.drafts.some(draft => draft.seller === 'urn:nfp:nl:onlineidentity:agora-drwhite'))
  t.same(drWhiteRows.map(row => row.drafts.filter(draft => draft.type === 'OnlineIdentity').length), [1, 0, 0])
})

t.test('offers and offeredIn link both ways', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  for (const row of plan.rows) {
    const listing = row.drafts.find(draft => draft.type === 'WebListing') as RecordDraft
    const offered = row.drafts.filter(draft => draft.type === 'Firearm' || draft.type === 'Ammunition')
    t.same(listing.offers ?? [], offered.map(draft => draft.id), `line ${row.line}`)
    for (const draft of offered) t.equal(draft.offeredIn, listing.id, `line ${row.line}`)
  }
})

t.test('knife row has no ammunition record', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  const knifeRow = plan.rows.find(row => row.line === 2)
  const listing = knifeRow?.drafts.find(draft => draft.type === 'WebListing')
  t.equal(listing?.title, 'Credit Card Size Knife')
  t.equal(listing?.marketSubcategory, 'Ammunition')
  t.equal(listing?.listingClass, 'melee')
  t.notOk('offers' in (listing ?? {}))
  t.same(knifeRow?.drafts.map(draft => draft.type), ['OnlineIdentity', 'WebListing'])
})

t.test('renamed listings get distinct ids', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  const ids = allDrafts(plan).map(draft => draft.id)
  t.equal(ids.length, new Set(ids).size, 'every record id is unique')

  // Agora id o2S9n3Z2g7 is shared by three Crosman 1377 rows whose titles differ.
  const crosman = ids.filter(id => id.startsWith('urn:nfp:nl:weblisting:agora-o2S9n3Z2g7'))
  t.equal(crosman.length, 3)
  for (const id of crosman) t.match(id, /^urn:nfp:nl:weblisting:agora-o2S9n3Z2g7-[0-9a-f]{8}$/)
})

t.test('record ids fit the protocol pattern', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  for (const draft of allDrafts(plan)) {
    t.match(draft.id, /^urn:nfp:(de|nl|se):(weblisting|onlineidentity|firearm|ammunition):agora-[A-Za-z0-9._-]{1,122}$/)
    t.equal(draft.id.split(':')[3], draft.type.toLowerCase())
  }
})

t.test('reimport yields identical plan', async t => {
  const first = planAgoraImport(AGORA_CSV, OPTIONS)
  const second = planAgoraImport(AGORA_CSV, OPTIONS)
  t.same(second, first)
})

t.test('all drafts are schema-valid', async t => {
  const ajv = recordValidators()
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  let checked = 0
  for (const row of plan.rows) {
    for (const draft of row.drafts) {
      const record = {
        ...draft,
        versionHash: 'sha256:' + '0'.repeat(64),
        provenance: { jurisdiction: row.jurisdiction, agency: 'Test agency', created: '2025-01-01T12:00:00Z', modified: '2025-01-01T12:00:00Z' }
      }
      const validate = ajv.getSchema(`urn:ceasefire:schema:${draft.type}`)
      if (validate === undefined) throw new Error(`no schema for record type ${draft.type}`)
      const valid = validate(record)
      t.ok(valid, `${draft.id} is valid`, { errors: validate.errors })
      checked++
    }
  }
  t.equal(checked, 258)
})

t.test('drafts never contain empty strings', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  const emptyFields = allDrafts(plan).flatMap(draft => Object.entries(draft).filter(([, value]) => value === '').map(([field]) => `${draft.id} ${field}`))
  t.same(emptyFields, [])
})

t.test('extraction coverage on real data', async t => {
  const plan = planAgoraImport(AGORA_CSV, OPTIONS)
  const firearms = allDrafts(plan).filter(draft => draft.type === 'Firearm')
  const ammunition = allDrafts(plan).filter(draft => draft.type === 'Ammunition')
  const count = (drafts: RecordDraft[], field: string): number => drafts.filter(draft => draft[field] !== undefined).length

  // Counted by hand from the titles: the 8 firearms without a make are clones, makeless
  // models (XD, AR-15, Scorpion) and titles naming only a kind or calibre.
  t.equal(firearms.length, 63)
  t.equal(count(firearms, 'make'), 55)
  t.equal(count(firearms, 'model'), 58)
  t.equal(count(firearms, 'calibre'), 46)
  t.equal(firearms.filter(draft => draft.make !== undefined && draft.model !== undefined && draft.calibre !== undefined).length, 39)
  t.equal(firearms.filter(draft => draft.firearmKind !== 'unknown').length, 62)

  t.equal(ammunition.length, 26)
  t.equal(count(ammunition, 'make'), 11)
  t.equal(count(ammunition, 'calibre'), 24)
  t.equal(count(ammunition, 'quantity'), 24)
  t.equal(count(ammunition, 'projectileType'), 17)
})

t.test('review date and legal basis options', async t => {
  const plan = planAgoraImport(AGORA_CSV, { ...OPTIONS, reviewPeriodDays: 30, legalBasis: 'National police act, section 12' })
  for (const draft of allDrafts(plan)) {
    t.equal(draft.reviewBy, '2025-01-31')
    t.equal(draft.legalBasis, 'National police act, section 12')
  }
})

t.test('invalid options are rejected', async t => {
  t.throws(() => planAgoraImport(AGORA_CSV, { ...OPTIONS, jurisdictions: [] }), RangeError)
  t.throws(() => planAgoraImport(AGORA_CSV, { ...OPTIONS, jurisdictions: ['se'] }), /upper-case ISO 3166-1 alpha-2/)
  t.throws(() => planAgoraImport(AGORA_CSV, { ...OPTIONS, defaultJurisdiction: 'EU1' }), /defaultJurisdiction/)
  t.throws(() => planAgoraImport(AGORA_CSV, { ...OPTIONS, now: new Date('not a date') }), /valid Date/)
  t.throws(() => planAgoraImport(AGORA_CSV, { ...OPTIONS, reviewPeriodDays: 0 }), /reviewPeriodDays must be an integer from 1 to 36500, got 0/)
  t.throws(() => planAgoraImport(AGORA_CSV, { ...OPTIONS, reviewPeriodDays: 1e9 }), /reviewPeriodDays/)
  t.throws(() => planAgoraImport(AGORA_CSV, { ...OPTIONS, legalBasis: 'x' }), /legalBasis/)
})

t.test('bad rows excluded from plan', async t => {
  const lines = AGORA_CSV.split('\r\n')
  // Breaks lines 3 and 5 of the real file and keeps the rest.
  lines[2] = (lines[2] as string).replace('0.07722007', 'free')
  lines[4] = (lines[4] as string).replace('2014-01-16', '16.01.2014')
  const plan = planAgoraImport(lines.join('\r\n'), OPTIONS)

  t.same(plan.errors.map(error => error.line), [3, 5])
  t.match(plan.errors[0]?.message, /price_btc_min must be a non-negative decimal number such as 0.0258, got "free"/)
  t.match(plan.errors[1]?.message, /first_seen must be a calendar date written YYYY-MM-DD, got "16.01.2014"/)
  t.equal(plan.rows.length, 141)
  t.equal(plan.rows.length + plan.errors.length, 143)
  t.equal(plan.totals.errors, 2)
  t.notOk(plan.rows.some(row => row.line === 3 || row.line === 5))
})

t.test('repeated row is reported once', async t => {
  const header = AGORA_COLUMNS.join(',')
  const row = 'xdoc,9mm Luger FMJ - 25pcs,Weapons,Ammunition,0.1,0.2,Sweden,EU,2014-01-01,2014-03-01,10,G08gwvxUqS,,'
  const plan = planAgoraImport(`${header}\n${row}\n${row}\n`, OPTIONS)
  t.equal(plan.rows.length, 1)
  t.same(plan.errors.map(error => error.line), [3])
  t.match(plan.errors[0]?.message, /^row repeats line 2/)
})

t.test('vendor handle becomes safe local id', async t => {
  const header = AGORA_COLUMNS.join(',')
  const plan = planAgoraImport(`${header}\nDr White!,Glock 19,Weapons,Lethal firearms,1,2,,,2014-01-01,2014-01-02,2,abc123,,\n`, OPTIONS)
  const identity = plan.rows[0]?.drafts.find(draft => draft.type === 'OnlineIdentity')
  t.match(identity?.id, /^urn:nfp:nl:onlineidentity:agora-dr-white--[0-9a-f]{8}$/)
  t.equal(identity?.handle, 'Dr White!')
})

t.test('long vendor handle is shortened', async t => {
  const header = AGORA_COLUMNS.join(',')
  const vendor = 'v'.repeat(150)
  const plan = planAgoraImport(`${header}\n${vendor},Glock 19,Weapons,Lethal firearms,1,2,,,2014-01-01,2014-01-02,2,abc123,,\n`, OPTIONS)
  const identity = plan.rows[0]?.drafts.find(draft => draft.type === 'OnlineIdentity')
  const localId = identity?.id.split(':')[4] ?? ''
  t.equal(localId.length, 128)
  t.match(localId, /^agora-v+-[0-9a-f]{8}$/)
  t.equal(identity?.handle, vendor)
})
