import t from 'tap'
import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { nfp } from '../helpers/nfp.ts'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))

async function runDemo (dir: string, extra: string[] = []): Promise<{ code: number | null, output: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'demo', '--dir', dir, '--exit', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.once('error', reject)
    child.once('exit', code => { resolve({ code, output }) })
  })
}

const dir = mkdtempSync(join(tmpdir(), 'nfp-demo-'))
t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })

t.test('demo runs to completion', async t => {
  const { code, output } = await runDemo(dir, ['--fresh'])
  t.equal(code, 0, output)
  t.match(output, /Scenario complete: all \d+ checks passed/)
  t.match(output, /SE: 18 listings/, 'Swedish listings land at SE')
  t.match(output, /DE: 6 listings/, 'German listings land at DE')
  t.match(output, /NL: 119 listings/, 'free-text and non-member origins land at the default node NL')
  t.match(output, /witness .*SHARED with .*dateOfBirth.* removed - .*EU-PD-01/, 'a redaction is explained by its rule')
  t.match(output, /informant .*DENIED, nothing sent - EU-PD-02 \[Directive \(EU\) 2023\/977 Art\. 6\(1\)\(f\)\(ii\)/, 'a denial is explained by its legal citation')
  t.match(output, /NO_ORIGINATOR_CONSENT/)
  t.match(output, /signed path SE > DE, DE > NL/)
  t.match(output, /NL: "[^"]+" -> parts-or-conversion-kit \(0\.\d+\)/, 'a part filed under Lethal firearms is triaged as a part')
  t.match(output, /proposed same-firearm, score 0\.\d+: urn:nfp:de:firearm:demo-seized-1 = urn:nfp:nl:firearm:demo-stolen-1/, 'NL proposes a link to a record DE sent')
  t.match(output, /evidence: serialNumber similar, make agree, model agree, calibre agree/)
  t.match(output, /proposed same-online-identity, score 0\.\d+: urn:nfp:de:onlineidentity:[^ ]+ = urn:nfp:se:onlineidentity:demo-handle-1/, 'DE proposes a link to a handle SE sent')
  t.match(output, /NL confirmed the firearm link as urn:nfp:nl:recordlink:lnk-[0-9a-f]{24} and shared it with DE/)
  t.match(output, /SE answers: partly-refused; DE holds the request as partly-refused with \d+ signed records and refusals JEOPARDISE_INVESTIGATION_OR_SAFETY/, 'a request for information is answered in part')
  t.match(output, /DE queried "@[^"]+" on agora at SE: HIT urn:nfp:se:onlineidentity:agora-\S+ \(owned by SE\)/, 'a real seller handle is found at SE by a hit query')
  t.match(output, /DE turns hit \S+ into request \S+ to SE in one step \(received\)/, 'the hit is followed up by a request')
})

t.test('demo runs again on kept data', async t => {
  const { code, output } = await runDemo(dir)
  t.equal(code, 0, output)
  t.match(output, /DE: 6 listings -> 13 records \(0 new\)/, 'a second import changes nothing the scenario did not change')
  t.match(output, /Scenario complete: all \d+ checks passed/)
})

t.test('demo authority key signs with the CLI', async t => {
  const keyFile = join(dir, 'demo-federation-authority.jwk')
  const trusted = JSON.parse(readFileSync(join(dir, 'de', 'node.json'), 'utf8')).membershipAuthority.kid as string
  t.equal(JSON.parse(readFileSync(keyFile, 'utf8')).kid, trusted, 'the key file carries the kid the nodes trust')

  const copy = join(dir, 'federation-copy.json')
  copyFileSync(join(dir, 'federation.json'), copy)
  const sign = await nfp('federation', 'sign', '--key', keyFile, '--file', copy)
  t.equal(sign.code, 0, sign.stderr)
  const header = JSON.parse(Buffer.from(JSON.parse(readFileSync(copy, 'utf8')).signature.protected, 'base64url').toString())
  t.equal(header.kid, trusted, 'the signature names the trusted kid')
})
