import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { CheckFailed, NotApplicable } from './suite.ts'
import type { ConformanceTest, SuiteContext } from './suite.ts'

export type Outcome = 'pass' | 'fail' | 'skip'

/** The result of one test, as written to results.json. */
export interface TestResult {
  id: string
  section: string
  requirement: string
  title: string
  outcome: Outcome
  detail: string
  durationMs: number
}

export interface RunSummary {
  suite: { name: string, version: string }
  target: { api: string, peer: string, jurisdiction: string, peerId: string }
  member: { jurisdiction: string, peerId: string }
  startedAt: string
  finishedAt: string
  counts: Record<Outcome, number>
  results: TestResult[]
}

/** Runs the tests one after another, writing TAP version 14 to `tap` as each one ends. */
export async function runTests (tests: ConformanceTest[], ctx: SuiteContext, tap: Writable, only?: (test: ConformanceTest) => boolean): Promise<TestResult[]> {
  const selected = only === undefined ? tests : tests.filter(only)
  tap.write('TAP version 14\n')
  tap.write(`1..${selected.length}\n`)
  const results: TestResult[] = []
  for (const [i, test] of selected.entries()) {
    const started = Date.now()
    let outcome: Outcome = 'pass'
    let detail = ''
    try {
      detail = (await test.run(ctx)) ?? ''
    } catch (err) {
      if (err instanceof NotApplicable) {
        outcome = 'skip'
        detail = err.message
      } else {
        outcome = 'fail'
        detail = err instanceof CheckFailed ? err.message : `error while testing: ${(err as Error).stack?.split('\n').slice(0, 3).join(' | ') ?? String(err)}`
      }
    }
    const result: TestResult = { id: test.id, section: test.section, requirement: test.requirement, title: test.title, outcome, detail, durationMs: Date.now() - started }
    results.push(result)
    const name = `[${test.requirement}] ${test.title}`.replace(/#/g, '\\#')
    if (outcome === 'skip') tap.write(`ok ${i + 1} - ${name} # SKIP ${oneLine(detail)}\n`)
    else tap.write(`${outcome === 'pass' ? 'ok' : 'not ok'} ${i + 1} - ${name}\n`)
    if (outcome === 'fail') tap.write(`  ---\n  id: ${JSON.stringify(test.id)}\n  section: ${JSON.stringify(test.section)}\n  detail: ${JSON.stringify(detail)}\n  ...\n`)
  }
  return results
}

/** Writes results.json and report.md into `dir`. */
export function writeOutputs (dir: string, summary: RunSummary): { json: string, report: string } {
  mkdirSync(dir, { recursive: true })
  const json = join(dir, 'results.json')
  const report = join(dir, 'report.md')
  writeFileSync(json, JSON.stringify(summary, null, 2) + '\n')
  writeFileSync(report, renderReport(summary))
  return { json, report }
}

/** Counts the outcomes of a list of results. */
export function countOutcomes (results: TestResult[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = { pass: 0, fail: 0, skip: 0 }
  for (const r of results) counts[r.outcome]++
  return counts
}

function renderReport (s: RunSummary): string {
  const sections = new Map<string, TestResult[]>()
  for (const r of s.results) {
    const top = r.section.split('.')[0] as string
    sections.set(top, [...(sections.get(top) ?? []), r])
  }
  const verdict = s.counts.fail === 0 ? 'CONFORMS to every requirement tested' : `DOES NOT CONFORM: ${s.counts.fail} requirement checks failed`
  const lines = [
    '# Ceasefire NFP conformance report',
    '',
    '| | |',
    '| --- | --- |',
    `| Node under test | ${s.target.jurisdiction}, peer id \`${s.target.peerId}\` |`,
    `| Addresses tested | \`${s.target.peer}\`, API ${s.target.api} |`,
    `| Test member | ${s.member.jurisdiction}, peer id \`${s.member.peerId}\` |`,
    `| Suite | ${s.suite.name} ${s.suite.version}, checking SPEC.md of the same version |`,
    `| Run | ${s.startedAt} to ${s.finishedAt} |`,
    `| Result | **${verdict}** (${s.counts.pass} passed, ${s.counts.fail} failed, ${s.counts.skip} not applicable) |`,
    '',
    '## Summary by SPEC section',
    '',
    '| Section | Passed | Failed | Not applicable |',
    '| --- | --- | --- | --- |'
  ]
  for (const [section, results] of [...sections].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    const c = countOutcomes(results)
    lines.push(`| ${section} | ${c.pass} | ${c.fail} | ${c.skip} |`)
  }
  lines.push('', '## Tests', '')
  for (const [section, results] of [...sections].sort((a, b) => Number(a[0]) - Number(b[0]))) {
    lines.push(`### Section ${section}`, '', '| Result | Requirement | Test | Detail |', '| --- | --- | --- | --- |')
    for (const r of results) {
      lines.push(`| ${r.outcome === 'pass' ? 'pass' : r.outcome === 'fail' ? '**FAIL**' : 'n/a'} | ${r.requirement} | ${escape(r.title)} | ${escape(r.detail)} |`)
    }
    lines.push('')
  }
  lines.push('Requirement ids refer to the bracketed ids in SPEC.md. A failed test names what the node did instead; `results.json` holds the same results for machines.', '')
  return lines.join('\n')
}

function escape (text: string): string {
  return oneLine(text).replace(/\|/g, '\\|')
}

function oneLine (text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}
