import t from 'tap'
import { readFileSync } from 'node:fs'
import { REQUIREMENTS } from '../src/requirements.ts'
import { UNTESTED } from '../src/untested.ts'
import { allTests } from '../src/tests/index.ts'

const spec = readFileSync(new URL('../../SPEC.md', import.meta.url), 'utf8')
const specIds = new Set(Array.from(spec.matchAll(/\*\*\[([A-Z]+-[0-9.]+-[0-9]+)\]\*\*/g), m => m[1] as string))

t.test('every requirement the suite checks has its id in SPEC.md', async (t) => {
  for (const id of Object.keys(REQUIREMENTS)) t.ok(specIds.has(id), `${id} is marked in SPEC.md`)
})

t.test('every requirement id in SPEC.md is checked or listed as untested with a reason', async (t) => {
  for (const id of specIds) t.ok(id in REQUIREMENTS || id in UNTESTED, `${id} is checked or listed in conformance/src/untested.ts`)
  for (const id of Object.keys(UNTESTED)) t.notOk(id in REQUIREMENTS, `${id} is not both checked and untested`)
})

t.test('every checked requirement has at least one test, and test ids are unique', async (t) => {
  const tests = allTests()
  const cited = new Set(tests.map(test => test.requirement))
  for (const id of Object.keys(REQUIREMENTS)) t.ok(cited.has(id), `a test checks ${id}`)
  t.equal(new Set(tests.map(test => test.id)).size, tests.length, 'test ids are unique')
  for (const test of tests) t.ok(test.title.length > 20, `${test.id} has a title that states the requirement`)
})
