import t from 'tap'
import { blockingKeys } from '../../src/linking/blocking.ts'
import { compareCalibres } from '../../src/linking/calibre.ts'
import { normaliseMake, normaliseModel } from '../../src/linking/make-model.ts'
import { foldLookAlikes, handleSkeleton, normaliseSerial, normaliseWalletAddress, transliterateName } from '../../src/linking/normalise.ts'
import { FEATURE_NAMES, pairFeatures } from '../../src/linking/pair-features.ts'
import { editDistance, similarity } from '../../src/linking/text-similarity.ts'

t.test('calibre names of one cartridge', async t => {
  const cases: Array<[string, string, string]> = [
    ['9 mm Luger', '9x19 mm', 'same'],
    ['9 mm Parabellum', '9 mm Para', 'same'],
    ['9x19mm Parabellum', '9mm', 'same'],
    ['.45 ACP', '11.43x23', 'same'],
    ['.45 ACP', '45 Auto', 'same'],
    ['.380 ACP', '9 mm kurz', 'same'],
    ['6.35 mm Browning', '.25 ACP', 'same'],
    ['.223 Rem', '5.56x45 NATO', 'approximate'],
    ['.308 Winchester', '7.62x51 NATO', 'approximate'],
    ['.38 Special', '.357 Magnum', 'approximate'],
    ['9x19', '9x18 Makarov', 'different'],
    ['.22LR', '9mm', 'different'],
    ['12 gauge', 'unknown cartridge', 'unknown']
  ]
  for (const [a, b, expected] of cases) t.equal(compareCalibres(a, b), expected, `${a} / ${b}`)
  t.equal(compareCalibres(undefined, '9mm'), 'unknown')
})

t.test('make and model aliases', async t => {
  t.equal(normaliseMake('S&W'), normaliseMake('Smith & Wesson'))
  t.equal(normaliseMake('HK'), normaliseMake('Heckler und Koch'.replace('und', 'and')))
  t.equal(normaliseMake('SIG'), 'sig-sauer')
  t.equal(normaliseModel('GLOCK17', 'GLOCK'), '17')
  t.equal(normaliseModel('17 Gen4', 'Glock'), '17')
  t.equal(normaliseModel('G17', 'Glock'), '17')
  t.not(normaliseModel('19', 'Glock'), normaliseModel('17', 'Glock'))
  t.equal(normaliseModel('Glock 17 Gen4 9mm', 'Glock'), normaliseModel('GLOCK17 9x19 Para'), 'calibre and make inside the model field')
  t.equal(normaliseModel('22', 'Glock'), '22', 'a model number is not read as a calibre')
})

t.test('serial look-alikes', async t => {
  t.equal(normaliseSerial('ab-123 45'), 'AB12345')
  t.equal(foldLookAlikes('B0O1'), foldLookAlikes('8OOI'))
  t.equal(editDistance('AB1O5', 'AB105', true), 0.3, 'O for 0 costs less than a typo')
  t.equal(editDistance('AB1O5', 'AB1X5', true), 1)
  t.equal(similarity('', ''), 1)
})

t.test('handle skeletons', async t => {
  t.equal(handleSkeleton('The_Gun-Dealer99'), 'gundealer')
  t.equal(handleSkeleton('DrWhite'), handleSkeleton('Dr_Wh1te_official'))
  t.not(handleSkeleton('DrWhite'), handleSkeleton('DrBlack'))
})

t.test('transliterated synthetic names', async t => {
  t.equal(transliterateName('Иванов'), transliterateName('Iwanow'))
  t.equal(transliterateName('Ivanoff'), transliterateName('Ivanov'))
  t.equal(transliterateName('Müller'), transliterateName('Mueller'))
  t.equal(transliterateName('Παπαδόπουλος'), transliterateName('Papadopoulos'))
})

t.test('wallet addresses by chain', async t => {
  t.equal(normaliseWalletAddress('ethereum', '0xAbC123'), normaliseWalletAddress('ethereum', '0xabc123'))
  t.not(normaliseWalletAddress('bitcoin', '1AbC123'), normaliseWalletAddress('bitcoin', '1abc123'))
  const sameString = pairFeatures({ type: 'CryptoWallet', chain: 'bitcoin', address: '1abc1234567' }, { type: 'CryptoWallet', chain: 'litecoin', address: '1abc1234567' })!
  t.equal(sameString.values[FEATURE_NAMES.indexOf('identifier_differ')], 1, 'the same string on two chains is two wallets')
})

t.test('pair evidence names features only', async t => {
  const features = pairFeatures(
    { type: 'Firearm', make: 'Glock', model: '17 Gen4', calibre: '9mm', serialNumber: 'BDX-123O5' },
    { type: 'Firearm', make: 'GLOCK', model: 'GLOCK17', calibre: '9x19 Para', serialNumber: 'BDX12305' }
  )!
  t.equal(features.kind, 'same-firearm')
  t.equal(features.values.length, FEATURE_NAMES.length)
  t.same(features.evidence.map(e => [e.feature, e.outcome]), [['serialNumber', 'similar'], ['make', 'agree'], ['model', 'agree'], ['calibre', 'agree']])
  t.notMatch(JSON.stringify(features.evidence), /BDX/, 'no compared value in the evidence')
  t.equal(pairFeatures({ type: 'Firearm' }, { type: 'Person' }), undefined)
  t.equal(pairFeatures({ type: 'Seizure' }, { type: 'Seizure' }), undefined)
})

t.test('blocking keys of look-alike serials meet', async t => {
  const a = blockingKeys({ type: 'Firearm', serialNumber: 'BDX-123O5' })
  const b = blockingKeys({ type: 'Firearm', serialNumber: 'bdx12305' })
  t.ok(a.some(key => b.includes(key)))
  t.same(blockingKeys({ type: 'Seizure' }), [])
  const person = blockingKeys({ type: 'Person', familyName: 'Иванов', dateOfBirth: '1971-05-06' })
  t.ok(person.includes('Person|family-year|iva|1971'))
})
