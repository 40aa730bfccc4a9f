import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { IDENTIFIER_TYPES, normaliseIdentifier } from '../src/normalise.ts'
import type { IdentifierInput } from '../src/normalise.ts'

interface VectorFile {
  type: string
  cases: Array<{ name: string, input: IdentifierInput, normalised?: string, error?: string }>
}

const folder = new URL('../../conformance/vectors/normalisation/', import.meta.url)
const files = readdirSync(folder).filter(name => name.endsWith('.json'))
const vectorFiles = files.map(name => JSON.parse(readFileSync(new URL(name, folder), 'utf8')) as VectorFile)

t.test('vectors cover every identifier type', async t => {
  t.same(vectorFiles.map(file => file.type).sort(), [...IDENTIFIER_TYPES].sort())
})

for (const file of vectorFiles) {
  t.test(`normalisation vectors for ${file.type}`, async t => {
    for (const vector of file.cases) {
      if (vector.error !== undefined) {
        t.throws(() => normaliseIdentifier(vector.input), { code: vector.error }, vector.name)
      } else {
        t.equal(normaliseIdentifier(vector.input).normalised, vector.normalised, vector.name)
      }
    }
  })
}

t.test('distinct identifiers never share a normal form', async t => {
  // Within each file, cases named as staying different must not collide with any other case.
  for (const file of vectorFiles) {
    const byForm = new Map<string, string[]>()
    for (const vector of file.cases) {
      if (vector.normalised === undefined) continue
      byForm.set(vector.normalised, [...byForm.get(vector.normalised) ?? [], vector.name])
    }
    for (const [form, names] of byForm) {
      const different = names.filter(name => name.includes('stays different'))
      t.ok(different.length === 0 || names.length === 1, `${file.type} ${form}: ${names.join(', ')}`)
    }
  }
})

t.test('serial variants meet in one form', async t => {
  const forms = ['ABC-123-456', 'abc 123 456', 'АВС123456', 'ΑΒC123456', 'A8C-I23-4S6', 'ＡＢＣ１２３４５６']
    .map(serialNumber => normaliseIdentifier({ type: 'firearm-serial', serialNumber, make: 'Glock' }).normalised)
  t.same(new Set(forms), new Set(['GLOCK:A8C123456']))
})

t.test('unknown identifier type is rejected', async t => {
  t.throws(() => normaliseIdentifier({ type: 'passport', number: 'X1' } as unknown as IdentifierInput), { code: 'ERR_IDENTIFIER_TYPE_UNKNOWN', field: 'type' })
})
