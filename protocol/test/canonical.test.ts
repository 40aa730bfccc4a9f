import t from 'tap'
import { canonicalize } from '../src/canonical.ts'

t.test('sorts keys by UTF-16 code units', async t => {
  // RFC 8785 section 3.2.3 orders keys by UTF-16 code units, not by code points or locale.
  const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' }
  t.equal(canonicalize(input), '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}')
})

t.test('serialises numbers like ECMAScript', async t => {
  t.equal(canonicalize([333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001, -0]), '[333333333.3333333,1e+30,4.5,0.002,1e-27,0]')
})

t.test('drops whitespace and keeps nesting', async t => {
  t.equal(canonicalize({ b: [1, { d: true, c: null }], a: 'x' }), '{"a":"x","b":[1,{"c":null,"d":true}]}')
})

t.test('escapes strings minimally', async t => {
  t.equal(canonicalize('\u000f\n"\\/é'), '"\\u000f\\n\\"\\\\/é"')
})

t.test('rejects values JSON cannot carry', async t => {
  t.throws(() => canonicalize({ a: Number.NaN }), { code: 'ERR_RECORD_NOT_CANONICAL', field: '/a' })
  t.throws(() => canonicalize({ a: [Infinity] }), { code: 'ERR_RECORD_NOT_CANONICAL', field: '/a/0' })
  t.throws(() => canonicalize({ a: '\ud800' }), { code: 'ERR_RECORD_NOT_CANONICAL' })
  t.throws(() => canonicalize({ a: 10n }), { code: 'ERR_RECORD_NOT_CANONICAL' })
})

t.test('rejects nesting beyond the limit', async t => {
  let deep: unknown = 'x'
  for (let i = 0; i < 20000; i++) deep = [deep]
  t.throws(() => canonicalize(deep), { code: 'ERR_RECORD_NOT_CANONICAL', message: /nested deeper than 64 levels/ })
  let ok: unknown = 'x'
  for (let i = 0; i < 60; i++) ok = { a: ok }
  t.type(canonicalize(ok), 'string')
})
