import t from 'tap'
import { readFileSync } from 'node:fs'
import { errorClasses } from '../../protocol/src/errors.ts'

const table = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')
const rows = new Map<string, number>()
for (const match of table.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \| (\d{3}) \|/gm)) rows.set(match[1]!, Number(match[2]))

t.test('every error class is in the table', async t => {
  for (const [code, cls] of Object.entries(errorClasses)) {
    t.equal(rows.get(code), cls.statusCode, `${code} is listed with HTTP status ${cls.statusCode}`)
  }
})

t.test('every table row is an error class', async t => {
  for (const code of rows.keys()) t.ok(code in errorClasses, `${code} exists in protocol/src/errors.ts`)
})

t.test('each class key equals its code', async t => {
  for (const [code, cls] of Object.entries(errorClasses)) {
    t.equal(cls.code, code)
    t.equal(new cls('x').code, code)
  }
})
