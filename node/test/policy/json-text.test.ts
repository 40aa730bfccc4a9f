import t from 'tap'
import { jsonPointer, parsePolicyJson } from '../../src/policy/json-text.ts'

const TEXT = '{\n  "a": [1, {"b": "x\\"y z"}],\n  "c~d/e": true\n}\n'

t.test('values are located by pointer', t => {
  const document = parsePolicyJson(TEXT, 'f.json')
  t.same(document.locate('/a'), { file: 'f.json', line: 2, column: 8 })
  t.same(document.locate('/a/1/b'), { file: 'f.json', line: 2, column: 18 })
  t.same(document.locate('/c~0d~1e'), { file: 'f.json', line: 3, column: 12 })
  t.end()
})

t.test('keys are located by pointer', t => {
  const document = parsePolicyJson(TEXT, 'f.json')
  t.same(document.locateKey('/a/1/b'), { file: 'f.json', line: 2, column: 13 })
  t.end()
})

t.test('missing pointer falls back to parent', t => {
  const document = parsePolicyJson(TEXT, 'f.json')
  t.same(document.locate('/a/7'), document.locate('/a'))
  t.same(document.locate('/nothing'), { file: 'f.json', line: 1, column: 1 })
  t.end()
})

t.test('string offsets step over escapes', t => {
  const document = parsePolicyJson(TEXT, 'f.json')
  // The decoded string is `x"y z`; index 3 is the space, which sits after the two-character escape.
  t.same(document.locateInString('/a/1/b', 3), { file: 'f.json', line: 2, column: 23 })
  t.same(document.locateInString('/a/1/b', 0), { file: 'f.json', line: 2, column: 19 })
  t.end()
})

t.test('unicode escapes count once', t => {
  const document = parsePolicyJson('{"w": "\\u00e9t\\u00e9 x"}', 'f.json')
  t.same(document.locateInString('/w', 4), { file: 'f.json', line: 1, column: 22 })
  t.end()
})

t.test('pointer escapes tilde and slash', t => {
  t.equal(jsonPointer('outbound', 2, 'a/b~c'), '/outbound/2/a~1b~0c')
  t.end()
})

t.test('syntax error gives line and column', t => {
  t.throws(() => parsePolicyJson('{\n  "a": 1,\n  "b" 2\n}', 'f.json'), { code: 'ERR_POLICY_INVALID', message: /^f\.json:3:7: invalid JSON/ })
  t.end()
})
