import t from 'tap'
import { classifyListing, extractListing, findCalibres } from '../../src/import/extract.ts'
import type { AmmunitionOffer, FirearmOffer, ListingClass } from '../../src/import/extract.ts'

// Titles, descriptions and subcategories below are copied from the real Agora file.

t.test('Glock 17 Gen 4 firearm', async t => {
  const extraction = extractListing({ title: 'Glock 17 Gen 4', subcategory: 'Lethal firearms' })
  t.equal(extraction.listingClass, 'firearm')
  t.equal(extraction.customOrder, false)
  t.same(extraction.firearm, { make: 'Glock', model: '17 Gen 4', firearmKind: 'pistol' })
  t.equal(extraction.ammunition, undefined)
})

t.test('firearm titles from the data', async t => {
  const cases: Array<[string, FirearmOffer]> = [
    ['Glock 19 Gen 3 9mm & 2 Mags', { make: 'Glock', model: '19 Gen 3', calibre: '9x19mm Parabellum', firearmKind: 'pistol' }],
    ['Glock 17 3rd Gen FULL ESCROW', { make: 'Glock', model: '17 Gen 3', firearmKind: 'pistol' }],
    ['9mm Glock 19 2nd or 3rd gen w/2mags pt1', { make: 'Glock', model: '19', calibre: '9x19mm Parabellum', firearmKind: 'pistol' }],
    ['Glock 22 3rd gen 40 cal & 2 mags', { make: 'Glock', model: '22 Gen 3', calibre: '.40 S&W', firearmKind: 'pistol' }],
    ['Glock 20 10MM', { make: 'Glock', model: '20', calibre: '10mm Auto', firearmKind: 'pistol' }],
    ['Glock 21SF 45 ACP FULL ESCROW', { make: 'Glock', model: '21SF', calibre: '.45 ACP', firearmKind: 'pistol' }],
    ['Glock 30 compact .45', { make: 'Glock', model: '30', calibre: '.45 ACP', firearmKind: 'pistol' }],
    ['Sig Sauer p290RS (Full Escrow)', { make: 'SIG Sauer', model: 'P290RS', firearmKind: 'pistol' }],
    ['taurus pt709 9mm FULL ESCROW', { make: 'Taurus', model: 'PT709', calibre: '9x19mm Parabellum', firearmKind: 'pistol' }],
    ['Pt.1 40 Cal Taurus Millineum New Condition w/2 Mags', { make: 'Taurus', model: 'Millennium', calibre: '.40 S&W', firearmKind: 'pistol' }],
    ['Springield XD 9mm', { make: 'Springfield Armory', model: 'XD', calibre: '9x19mm Parabellum', firearmKind: 'pistol' }],
    ['Part 1/3 XD 9MM', { model: 'XD', calibre: '9x19mm Parabellum', firearmKind: 'pistol' }],
    ['Hi point CF380', { make: 'Hi-Point', model: 'CF380', calibre: '.380 ACP', firearmKind: 'pistol' }],
    ['Raven MP- .25 Caliber', { make: 'Raven Arms', model: 'MP-25', calibre: '.25 ACP', firearmKind: 'pistol' }],
    ['pheonix .22 (full Escrow)', { make: 'Phoenix Arms', calibre: '.22', firearmKind: 'pistol' }],
    ['22LR Beretta Bobcat New Con dition Pt 1', { make: 'Beretta', model: 'Bobcat', calibre: '.22LR', firearmKind: 'pistol' }],
    ['Beretta FS92 9mm & 2 mags', { make: 'Beretta', model: 'FS92', calibre: '9x19mm Parabellum', firearmKind: 'pistol' }],
    ['Walther P22 22LR & 2 Mags', { make: 'Walther', model: 'P22', calibre: '.22LR', firearmKind: 'pistol' }],
    ['NEW Smith&Wesson SW40VE Semi-Auto Pistol - LEGIT HONEST BMR SELLER/100% DELIVERY -Part 2', { make: 'Smith & Wesson', model: 'SW40VE', calibre: '.40 S&W', firearmKind: 'pistol' }],
    ['Ruger P-89/9mm Pistol - TRUSTED BMR SELLER/FAST SHIPPING-100% Delivery Success-Part 1', { make: 'Ruger', model: 'P89', calibre: '9x19mm Parabellum', firearmKind: 'pistol' }],
    ['Erma KGP 69e .22lr pistol', { make: 'Erma', model: 'KGP 69e', calibre: '.22LR', firearmKind: 'pistol' }],
    ['FEG high power semi automaitc pistol 9mm Luger', { make: 'FEG', model: 'High Power', calibre: '9x19mm Parabellum', firearmKind: 'pistol' }],
    ['Crosman 1377 Pneumatic .177 Cal', { make: 'Crosman', model: '1377', calibre: '.177', firearmKind: 'air-gun' }],
    ['Ak 47', { make: 'Kalashnikov', model: 'AK-47', firearmKind: 'rifle' }],
    ['PEN GUN Caliber 25 ACP', { calibre: '.25 ACP', firearmKind: 'pen-gun' }],
    ['ME Magnum .22 caliber', { calibre: '.22', firearmKind: 'unknown' }],
    ['Sawn Off Double Barrel 410 Shotgun', { calibre: '.410 bore', firearmKind: 'shotgun', description: 'Sawn-off. Double-barrelled.' }],
    ['Scorpion full auto pistol', { model: 'Scorpion', firearmKind: 'pistol', description: 'Described as fully automatic.' }],
    ['Slide for Glock 17', { make: 'Glock', model: '17', firearmKind: 'pistol', description: 'Offered part: slide only, not a complete firearm.' }],
    ['AR-15 Full automatic / complet pistol upper chambered 5.56 NATO / 223 REM.', {
      model: 'AR-15',
      calibre: '5.56x45mm NATO',
      firearmKind: 'pistol',
      description: 'Offered part: upper only, not a complete firearm. Described as fully automatic.'
    }]
  ]
  for (const [title, expected] of cases) {
    const extraction = extractListing({ title, subcategory: 'Lethal firearms' })
    t.equal(extraction.listingClass, 'firearm', title)
    t.same(extraction.firearm, expected, title)
  }
})

t.test('description fills gaps left by title', async t => {
  const carbine = extractListing({
    title: '45 Carbine',
    description: '45 Carbine this listing is for a hi-point 45 carbine. We will ship to your USA location the carbine shown.',
    subcategory: 'Lethal firearms'
  })
  t.same(carbine.firearm, { make: 'Hi-Point', calibre: '.45 ACP', firearmKind: 'carbine' })

  // The seller's description names a Glock 17, but the title names a Glock 19 and wins.
  const glock = extractListing({
    title: 'Pt.2 9mm Glock 19 New Condition w/2 Mags',
    description: 'Pt.2 9mm Glock 19 New Condition w/2 Mags This is a Glock 17 9mm in New Condition and comes with 2/mags.',
    subcategory: 'Lethal firearms'
  })
  t.equal(glock.firearm?.model, '19')
})

t.test('clone keeps model but not make', async t => {
  const extraction = extractListing({
    title: 'Walther PP',
    description: 'Walther PP Walther PP clone in very good condition. Shippping from Germany inside EU. Incl. escrow.',
    subcategory: 'Lethal firearms'
  })
  t.same(extraction.firearm, { model: 'PP', firearmKind: 'pistol', description: 'Described as a clone of a Walther PP.' })
})

t.test('ammunition titles from the data', async t => {
  const cases: Array<[string, AmmunitionOffer]> = [
    ['9mm / 9x19 / 9Luger - FIOCCI FMJ x 50', { make: 'Fiocchi', calibre: '9x19mm Parabellum', quantity: 50, projectileType: 'FMJ' }],
    ['Tulammo Brand 7.62 X 39 (20 Rounds)', { make: 'TulAmmo', calibre: '7.62x39mm', quantity: 20 }],
    ['.45 ACP Blazer Brand Ammo (25 Rounds)', { make: 'Blazer', calibre: '.45 ACP', quantity: 25 }],
    ['9mm High Quality Brass Reloads 124 gr, (50 Rounds)', { calibre: '9x19mm Parabellum', quantity: 50 }],
    ['.223 Remington FMJ x 50', { calibre: '.223 Remington', quantity: 50, projectileType: 'FMJ' }],
    ['.22lfb HP High Velocity x 100', { calibre: '.22LR', quantity: 100, projectileType: 'HP' }],
    ['.25 ACP / 6,35 Browning FMJ x 50', { calibre: '.25 ACP', quantity: 50, projectileType: 'FMJ' }],
    ['.32 ACP / 7,65 Browning FMJ x 50', { calibre: '.32 ACP', quantity: 50, projectileType: 'FMJ' }],
    ['.38 Special x 50', { calibre: '.38 Special', quantity: 50 }],
    ['7,62x51 NATO / .308 WIN FMJ x 50', { calibre: '7.62x51mm NATO', quantity: 50, projectileType: 'FMJ' }],
    ['9mm Makarov / 9x18 FMJ x 50', { calibre: '9x18mm Makarov', quantity: 50, projectileType: 'FMJ' }],
    ['10 X 9mm Luger FMJ Gecko ammo', { make: 'GECO', calibre: '9x19mm Parabellum', quantity: 10, projectileType: 'FMJ' }],
    ['Federal Champion 500rds .22LR', { make: 'Federal', calibre: '.22LR', quantity: 500 }],
    ['9mm Luger JSP-F - 50pcs', { calibre: '9x19mm Parabellum', quantity: 50, projectileType: 'JSP' }],
    ['Winchester Super Ranger Shells', { make: 'Winchester' }],
    ['.177cal Super Points', { calibre: '.177' }]
  ]
  for (const [title, expected] of cases) {
    const extraction = extractListing({ title, subcategory: 'Ammunition' })
    t.equal(extraction.listingClass, 'ammunition', title)
    t.same(extraction.ammunition, expected, title)
    t.equal(extraction.firearm, undefined, title)
  }
})

t.test('ammunition make from description', async t => {
  const extraction = extractListing({
    title: '.22LR HP - 25pcs',
    description: '.22LR HP - 25pcs 25pcs .22LR Remington Subsonic. Hollow Point 40gr.',
    subcategory: 'Ammunition'
  })
  t.same(extraction.ammunition, { make: 'Remington', calibre: '.22LR', quantity: 25, projectileType: 'HP' })
})

t.test('ammo add-on under firearms', async t => {
  const extraction = extractListing({ title: 'Weapons sale -AMMO ADD ON ONLY-50 rounds with other PFP gun purchase', subcategory: 'Lethal firearms' })
  t.equal(extraction.listingClass, 'ammunition')
  t.same(extraction.ammunition, { quantity: 50 })
})

t.test('knife under Ammunition is melee', async t => {
  const extraction = extractListing({ title: 'Credit Card Size Knife', subcategory: 'Ammunition' })
  t.equal(extraction.listingClass, 'melee')
  t.equal(extraction.ammunition, undefined)
  t.equal(extraction.firearm, undefined)
})

t.test('listing classes from subcategory and text', async t => {
  const cases: Array<[string, string, ListingClass]> = [
    ['Cs-teargas', 'Ammunition', 'non-lethal-weapon'],
    ['Pepperspray', 'Ammunition', 'non-lethal-weapon'],
    ['Benzene 1L', 'Ammunition', 'other'],
    ['Iphone Style Tazer--(Black)--and led flashlight 802 type High-power Electronic self defense device', 'Melee', 'non-lethal-weapon'],
    ['pepper spray lighter / Looks just like a real lighter', 'Melee', 'non-lethal-weapon'],
    ['Knuckle duster (Black)', 'Melee', 'melee'],
    ['Weaponary belt buckle without loop with silver finish', 'Melee', 'melee'],
    ['RC Helicopter with camera', 'Melee', 'other'],
    ['Lightweight self-protect Hand Tool', 'Non-lethal firearms', 'non-lethal-weapon'],
    ['Custom M4 Airsoft Assault Rifle', 'Non-lethal firearms', 'non-lethal-weapon'],
    ['Customerlisting Silencer', 'Non-lethal firearms', 'firearm'],
    ['Credit Card Size Knife', 'Non-lethal firearms', 'melee'],
    ['Viper 1 (di blasio elio)', 'Fireworks', 'fireworks-or-explosives'],
    ['Potassium chlorate 40g', 'Fireworks', 'fireworks-or-explosives'],
    ['Shipping Ticket', 'Fireworks', 'other'],
    ['Kaliumcyanid Potassium Cyanide 900g', 'Lethal firearms', 'other'],
    ['1OZHigh Grade Commercial', 'Lethal firearms', 'other'],
    ['FREE 1/2 OZ with 1 OZ Purchase', 'Lethal firearms', 'other'],
    ['rockyjohn flight booking', 'Lethal firearms', 'other'],
    ['Weapons Shipping', 'Lethal firearms', 'other'],
    ['Glock 27 part 1/3', 'Lethal firearms', 'firearm']
  ]
  for (const [title, subcategory, expected] of cases) {
    t.equal(classifyListing({ title, subcategory }), expected, `${title} (${subcategory})`)
  }
})

t.test('class without subcategory from text', async t => {
  t.equal(classifyListing({ title: 'Glock 19 Gen 3' }), 'firearm')
  t.equal(classifyListing({ title: '.45 ACP x 50' }), 'ammunition')
  t.equal(classifyListing({ title: 'Gift card' }), 'other')
})

t.test('custom orders get no records', async t => {
  const cases: Array<[string, string, string | undefined]> = [
    ['Custom for NOD', 'Ammunition', undefined],
    ['Custom listing for AB', 'Lethal firearms', undefined],
    ['Pt.1 Custom Ammo Order', 'Ammunition', undefined],
    ['Any Gun you want', 'Lethal firearms', undefined],
    ['Pick a gun', 'Lethal firearms', undefined],
    ['Weapons Shipping', 'Lethal firearms', undefined],
    ['Handgun Ammunition', 'Ammunition', 'Handgun Ammunition We will ship to your location in the USA 100 rounds of the ammunition of your choice either 22 25 32 38 380 9mm 10mm 40 45 ACP']
  ]
  for (const [title, subcategory, description] of cases) {
    const extraction = extractListing(description === undefined ? { title, subcategory } : { title, subcategory, description })
    t.equal(extraction.customOrder, true, title)
    t.equal(extraction.firearm, undefined, title)
    t.equal(extraction.ammunition, undefined, title)
  }
})

t.test('titles without details get no record', async t => {
  t.equal(extractListing({ title: 'Slide part 1', subcategory: 'Lethal firearms' }).firearm, undefined)
  t.equal(extractListing({ title: 'Ammo for lois-miller', subcategory: 'Ammunition' }).ammunition, undefined)
})

t.test('calibre spellings are normalised', async t => {
  const cases: Array<[string, string[]]> = [
    ['9mm / 9x19 / 9Luger', ['9x19mm Parabellum', '9x19mm Parabellum', '9x19mm Parabellum']],
    ['7.62 X 39', ['7.62x39mm']],
    ['5.56 NATO / 223 REM.', ['5.56x45mm NATO', '.223 Remington']],
    ['12 gauge and 20ga', ['12 gauge', '20 gauge']],
    ['.410 bore', ['.410 bore']],
    ['.380 auto', ['.380 ACP']],
    ['9mm Kurz', ['.380 ACP']],
    ['.357 Magnum', ['.357 Magnum']],
    ['.40 S&W', ['.40 S&W']]
  ]
  for (const [text, expected] of cases) {
    t.same(findCalibres(text).map(match => match.calibre), expected, text)
  }
})

t.test('model numbers are not calibres', async t => {
  t.same(findCalibres('Walther P22 and SW40VE and CF380'), [])
  const extraction = extractListing({ title: 'Pt.1 Glock 22 40 Caliber New condition w/2 Mags', subcategory: 'Lethal firearms' })
  t.equal(extraction.firearm?.calibre, '.40 S&W')
})

t.test('conflicting details are left out', async t => {
  const twoCalibres = extractListing({ title: '9mm and .45 ACP mixed lot', subcategory: 'Ammunition' })
  t.equal(twoCalibres.ammunition?.calibre, undefined)
  const nearNames = extractListing({ title: '.38 and .380 ACP', subcategory: 'Ammunition' })
  t.equal(nearNames.ammunition, undefined, '.380 ACP is not a more specific .38')
  const twoQuantities = extractListing({ title: '.45 ACP 50 rounds or 100 rounds', subcategory: 'Ammunition' })
  t.same(twoQuantities.ammunition, { calibre: '.45 ACP' })
})
