// Counts test results in tap's TAP output: each subtest of a test file (indent level 1) is one
// test; a test file that fails without reporting any failing subtest (a crash, a syntax error)
// counts as one failed test. Exits 1 when no test ran at all. Plain JavaScript, so it also runs
// on the system Node when the install failed.
import { readFileSync } from 'node:fs'

const lines = readFileSync(process.argv[2], 'utf8').split('\n')
let passed = 0
let failed = 0
let fileFailures = 0

for (const line of lines) {
  const nested = /^ {4}(not ok|ok) \d+ - /.exec(line)
  if (nested !== null) {
    if (nested[1] === 'ok') passed++
    else { failed++; fileFailures++ }
    continue
  }
  const top = /^(not ok|ok) \d+ - /.exec(line)
  if (top !== null) {
    if (top[1] === 'not ok' && fileFailures === 0) failed++
    fileFailures = 0
  }
}

console.log(`${passed} passed, ${failed} failed`)
process.exit(passed + failed === 0 ? 1 : 0)
