import t from 'tap'
import { fixedPaths } from '../../src/signature-v2/units.ts'

t.test('known type adds its required fields', async t => {
  const fixed = fixedPaths('Seizure')
  t.ok(fixed.has('/id') && fixed.has('/provenance/modified') && fixed.has('/legalBasis'), 'the fields no record may lose')
  t.ok(fixed.has('/date') && fixed.has('/country'), 'the fields the Seizure schema requires')
  t.equal(fixedPaths('Seizure'), fixed, 'computed once per type')
})

t.test('made-up types are not cached', async t => {
  // The type is read from a record before its signature is checked, so every name a peer
  // invents must not leave an entry behind. Unknown types share one set of the fields every
  // record keeps.
  const names = Array.from({ length: 100 }, (_, i) => `MadeUp${i}-${'x'.repeat(1000)}`)
  const sets = new Set(names.map(name => fixedPaths(name)))
  t.equal(sets.size, 1)
  t.ok(fixedPaths('MadeUp0').has('/handlingCode'))
  t.notOk(fixedPaths('MadeUp0').has('/date'))
})
