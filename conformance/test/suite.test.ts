import t from 'tap'
import { PassThrough } from 'node:stream'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runConformance } from '../src/run.ts'
import { startTarget } from './helpers/target.ts'

t.test('the conformance suite passes against the reference node', async (t) => {
  const target = await startTarget()
  const out = mkdtempSync(join(tmpdir(), 'nfp-conformance-out-'))
  t.teardown(async () => { await target.stop(); rmSync(out, { recursive: true, force: true }) })
  const tap = new PassThrough()
  let text = ''
  tap.on('data', (chunk: Buffer) => { text += chunk.toString() })

  const summary = await runConformance({ peer: target.peer, api: target.api, apiToken: target.apiToken, member: target.member, listen: [target.memberListen], authorityJwk: target.authorityJwk, out, tap })

  const failed = summary.results.filter(r => r.outcome !== 'pass')
  t.same(failed.map(r => `${r.id}: ${r.detail}`), [], 'every test passes and none is skipped')
  t.ok(summary.results.length >= 40, `the suite ran ${summary.results.length} tests`)
  t.match(text, /^TAP version 14\n1\.\.\d+\n/, 'TAP goes to the stream')
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))
  t.equal(json.results.length, summary.results.length, 'results.json lists every test')
  t.match(json.results[0], { id: String, section: String, requirement: String, outcome: 'pass', detail: String })
  t.match(readFileSync(join(out, 'report.md'), 'utf8'), /CONFORMS to every requirement tested/, 'the report states the verdict')
})
