import t from 'tap'
import { CountedSet } from '../../src/hits/counted-set.ts'

t.test('counted set counts and removes members', async t => {
  const set = CountedSet.empty()
  set.add(5, 1)
  set.add(5, 1)
  set.add(2 ** 40 - 1, 1)
  t.equal(set.count(5), 2)
  t.equal(set.count(2 ** 40 - 1), 1)
  t.equal(set.count(6), 0)
  t.equal(set.size, 2)
  set.add(5, -2)
  t.equal(set.count(5), 0)
  t.equal(set.size, 1)
  set.add(7, -1)
  t.equal(set.count(7), 0, 'a count never falls below zero')
  t.same([...set.sorted()], [2 ** 40 - 1])
})

t.test('counted set matches a Map across merges', async t => {
  // Enough changes to merge the overlay into the sorted array several times.
  const set = CountedSet.fromValues(Float64Array.from([9, 3, 3, 1]), 4)
  const expected = new Map<number, number>([[1, 1], [3, 2], [9, 1]])
  let seed = 7
  const next = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed }
  for (let i = 0; i < 20_000; i++) {
    const value = next() % 3000
    const step = next() % 3 === 0 ? -1 : 1
    set.add(value, step)
    expected.set(value, Math.max(0, (expected.get(value) ?? 0) + step))
  }
  for (const [value, count] of expected) t.equal(set.count(value), count, `count of ${value}`)
  const members = [...expected].filter(([, count]) => count > 0).map(([value]) => value).sort((a, b) => a - b)
  t.equal(set.size, members.length)
  t.same([...set.sorted()], members)
})

t.test('counted set snapshot stays unchanged', async t => {
  const set = CountedSet.fromValues(Float64Array.from([1, 2, 3]), 3)
  const snapshot = set.sorted()
  set.add(4, 1)
  set.add(1, -1)
  t.same([...set.sorted()], [2, 3, 4])
  t.same([...snapshot], [1, 2, 3], 'a later change builds a new array')
})
