import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startTarget } from './helpers/target.ts'

const BIN = fileURLToPath(new URL('../bin/nfp-conformance.js', import.meta.url))

function run (args: string[], env: Record<string, string> = {}): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 120000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? 1, stdout, stderr })
    })
  })
}

t.test('nfp-conformance runs the selected tests against a node and writes TAP, results.json and report.md', async (t) => {
  const target = await startTarget()
  const dir = mkdtempSync(join(tmpdir(), 'nfp-conformance-cli-'))
  t.teardown(async () => { await target.stop(); rmSync(dir, { recursive: true, force: true }) })
  writeFileSync(join(dir, 'token'), target.apiToken + '\n')
  const out = join(dir, 'out')
  const result = await run(['--peer', target.peer, '--api', target.api, '--api-token', join(dir, 'token'), '--member-key', target.memberKeyFile, '--listen', target.memberListen, '--out', out, '--only', 'SIG-5', '--only', 'SHARE-6.5-1'])
  t.equal(result.code, 0, `exit status 0 (stderr: ${result.stderr.slice(0, 300)})`)
  t.match(result.stdout, /^TAP version 14\n1\.\.8\n/, 'TAP on stdout for the 8 selected tests')
  t.match(result.stdout, /ok \d+ - \[SIG-5-4\] A receiver rejects a record whose signature does not verify/, 'test titles are the requirements with their ids')
  const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))
  t.equal(json.counts.pass, 8, 'results.json counts 8 passes')
  t.match(readFileSync(join(out, 'report.md'), 'utf8'), /\| 5 \| 7 \| 0 \| 0 \|/, 'the report sums up section 5')
})

t.test('nfp-conformance signs a newer membership version with --authority-key', async (t) => {
  const target = await startTarget()
  const dir = mkdtempSync(join(tmpdir(), 'nfp-conformance-cli-'))
  t.teardown(async () => { await target.stop(); rmSync(dir, { recursive: true, force: true }) })
  writeFileSync(join(dir, 'authority.jwk'), JSON.stringify(target.authorityJwk), { mode: 0o600 })
  const result = await run(['--peer', target.peer, '--api', target.api, '--member-key', target.memberKeyFile, '--listen', target.memberListen, '--authority-key', join(dir, 'authority.jwk'), '--only', 'MEM-'], { NFP_API_TOKEN: target.apiToken })
  t.equal(result.code, 0, `exit status 0 (stderr: ${result.stderr.slice(0, 300)})`)
  t.match(result.stdout, /# pass 3\n# fail 0\n# skip 0/, 'the three membership tests pass')
  const without = await run(['--peer', target.peer, '--api', target.api, '--member-key', target.memberKeyFile, '--listen', target.memberListen, '--only', 'MEM-'], { NFP_API_TOKEN: target.apiToken })
  t.equal(without.code, 0, 'without the key the run still passes')
  t.match(without.stdout, /# pass 1\n# fail 0\n# skip 2/, 'the two tests that need the key are skipped')
})

t.test('nfp-conformance exits 2 and says why when the node does not list the test member', async (t) => {
  const target = await startTarget()
  const dir = mkdtempSync(join(tmpdir(), 'nfp-conformance-cli-'))
  t.teardown(async () => { await target.stop(); rmSync(dir, { recursive: true, force: true }) })
  const keygen = await run(['keygen', '--out', join(dir, 'stranger.json')])
  t.equal(keygen.code, 0, 'keygen succeeds')
  t.equal(statSync(join(dir, 'stranger.json')).mode & 0o777, 0o600, 'the key file is readable by its owner only')
  const entry = JSON.parse(keygen.stdout)
  t.match(entry, { jurisdiction: 'XC', peerId: /^12D3KooW/, signingKeys: [{ kid: String, jwk: { kty: 'OKP', crv: 'Ed25519' } }] }, 'keygen prints the member entry for the authority')
  const result = await run(['--peer', target.peer, '--api', target.api, '--member-key', join(dir, 'stranger.json')], { NFP_API_TOKEN: target.apiToken })
  t.equal(result.code, 2, 'exit status 2')
  t.match(result.stderr, /does not list the test member XC/, 'stderr names the problem')
  const again = await run(['keygen', '--out', join(dir, 'stranger.json')])
  t.equal(again.code, 2, 'keygen refuses to overwrite a key file')
})
