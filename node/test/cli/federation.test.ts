import t from 'tap'
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts } from '../../src/demo/federation.ts'
import { nfp } from '../helpers/nfp.ts'

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
const CONFORMANCE = fileURLToPath(new URL('../../../conformance/src/cli.ts', import.meta.url))

const tmp = mkdtempSync(join(tmpdir(), 'nfp-federation-cli-'))
t.teardown(() => { rmSync(tmp, { recursive: true, force: true }) })

/** Runs `nfp-conformance` in a child process and collects its output. */
async function conformance (...args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONFORMANCE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.once('error', reject)
    child.once('exit', code => { resolve({ code, stdout, stderr }) })
  })
}

/**
 * Starts `nfp start` as an operator would and waits until /health lists the node's members.
 * `stop` sends SIGTERM and waits for the exit, and the test's teardown calls it too.
 */
async function startNode (t: Test, config: string, httpPort: number): Promise<{ health: { members: string[] }, stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [MAIN, 'start', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  t.teardown(stop)

  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nfp start exited with status ${child.exitCode}:\n${output}`)
    try {
      const response = await fetch(`http://127.0.0.1:${httpPort}/health`)
      if (response.ok) return { health: await response.json() as { members: string[] }, stop }
    } catch {
      // The HTTP API is not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  throw new Error(`nfp start: /health did not respond within 60 s:\n${output}`)
}

t.test('federation CLI end to end', async t => {
  const fed = join(tmp, 'signed')
  const federationFile = join(fed, 'federation.json')
  const [httpPort, p2pPort] = await freePorts(2) as [number, number]

  const keygen = await nfp('federation', 'keygen', '--out', join(fed + '-authority.jwk'), '--name', 'Test authority')
  t.equal(keygen.code, 0, keygen.stderr)
  const authorityKey = fed + '-authority.jwk'
  const authorityPublic = fed + '-authority.pub.jwk'

  const init = await nfp('init', '--jurisdiction', 'SE', '--agency', 'Test agency', '--dir', join(fed, 'se'),
    '--http-port', String(httpPort), '--p2p-port', String(p2pPort), '--authority-key', authorityPublic, '--allow-unsigned-policies')
  t.equal(init.code, 0, init.stderr)

  const create = await nfp('federation', 'create', '--name', 'Test federation', '--file', federationFile)
  t.equal(create.code, 0, create.stderr)
  t.match(create.stdout, /NOT signed/)

  // The test member's key file stays with the tester, and the authority gets the printed entry.
  const testMember = await conformance('keygen', '--out', join(tmp, 'test-member.key.json'), '--jurisdiction', 'XC')
  t.equal(testMember.code, 0, testMember.stderr)
  writeFileSync(join(tmp, 'test-member.json'), testMember.stdout)
  const addTest = await nfp('federation', 'add-member', '--member', join(tmp, 'test-member.json'), '--file', federationFile)
  t.equal(addTest.code, 0, addTest.stderr)

  const addNode = await nfp('federation', 'add-member', '--member', join(fed, 'se', 'member.json'), '--file', federationFile)
  t.equal(addNode.code, 0, addNode.stderr)

  const sign = await nfp('federation', 'sign', '--key', authorityKey, '--file', federationFile)
  t.equal(sign.code, 0, sign.stderr)
  const signed = JSON.parse(readFileSync(federationFile, 'utf8'))
  t.equal(signed.membership.version, 3, 'create and two add-member steps make version 3')
  t.type(signed.signature.protected, 'string')

  const node = await startNode(t, join(fed, 'se', 'node.json'), httpPort)
  t.same([...node.health.members].sort(), ['SE', 'XC'])

  // audit verify on a stopped node reads the signed federation file for the head keys.
  await node.stop()
  const audit = await nfp('audit', 'verify', '--config', join(fed, 'se', 'node.json'))
  t.equal(audit.code, 0, audit.stderr)
  t.match(audit.stdout, /result: intact/)
})

t.test('unsigned membership starts a node', async t => {
  const fed = join(tmp, 'unsigned')
  const federationFile = join(fed, 'federation.json')
  const [httpPort, p2pPort] = await freePorts(2) as [number, number]

  const init = await nfp('init', '--jurisdiction', 'DE', '--agency', 'Test agency', '--dir', join(fed, 'de'),
    '--http-port', String(httpPort), '--p2p-port', String(p2pPort), '--allow-unsigned-policies')
  t.equal(init.code, 0, init.stderr)
  t.equal((await nfp('federation', 'create', '--name', 'Unsigned federation', '--file', federationFile)).code, 0)
  const add = await nfp('federation', 'add-member', '--member', join(fed, 'de', 'member.json'), '--file', federationFile)
  t.equal(add.code, 0, add.stderr)

  const document = JSON.parse(readFileSync(federationFile, 'utf8'))
  t.equal(document.federation, 'Unsigned federation', 'the unsigned file is the bare membership')
  t.equal(document.version, 2)

  const node = await startNode(t, join(fed, 'de', 'node.json'), httpPort)
  t.same(node.health.members, ['DE'])
})

t.test('start rejects signed file without anchor', async t => {
  const fed = join(tmp, 'mismatch')
  const federationFile = join(fed, 'federation.json')
  const authorityKey = join(tmp, 'mismatch-authority.jwk')
  t.equal((await nfp('federation', 'keygen', '--out', authorityKey)).code, 0)
  t.equal((await nfp('init', '--jurisdiction', 'NL', '--agency', 'Test agency', '--dir', join(fed, 'nl'), '--allow-unsigned-policies')).code, 0)
  t.equal((await nfp('federation', 'create', '--name', 'Mismatch', '--file', federationFile)).code, 0)
  t.equal((await nfp('federation', 'add-member', '--member', join(fed, 'nl', 'member.json'), '--file', federationFile, '--sign-with', authorityKey)).code, 0)

  const start = await nfp('start', '--config', join(fed, 'nl', 'node.json'))
  t.equal(start.code, 1)
  t.match(start.stderr, /ERR_MEMBERSHIP_INVALID: federation file `[^`]+` is signed, but .*has no `membershipAuthority`/)
})

t.test('add-member rejects a private key file', async t => {
  const federationFile = join(tmp, 'keyfile-federation.json')
  const keyFile = join(tmp, 'keyfile-member.json')
  t.equal((await nfp('federation', 'create', '--name', 'Key file', '--file', federationFile)).code, 0)
  t.equal((await conformance('keygen', '--out', keyFile)).code, 0)
  const before = readFileSync(federationFile, 'utf8')

  const add = await nfp('federation', 'add-member', '--member', keyFile, '--file', federationFile)
  t.equal(add.code, 1)
  t.match(add.stderr, /ERR_MEMBERSHIP_INVALID: .*private key file .*Pass the member entry that keygen printed when it wrote this file/)
  t.notMatch(add.stderr, /TypeError|at .*\.ts:/, 'no stack trace')
  t.equal(readFileSync(federationFile, 'utf8'), before, 'the federation file is unchanged')
})

t.test('add-member rejects an invalid entry', async t => {
  const federationFile = join(tmp, 'invalid-federation.json')
  const entry = join(tmp, 'invalid-entry.json')
  t.equal((await nfp('federation', 'create', '--name', 'Invalid entry', '--file', federationFile)).code, 0)
  writeFileSync(entry, JSON.stringify({ jurisdiction: 'SE', name: 'No keys' }))

  const add = await nfp('federation', 'add-member', '--member', entry, '--file', federationFile)
  t.equal(add.code, 1)
  t.match(add.stderr, /ERR_MEMBERSHIP_INVALID: member entry .* is invalid at `\(entry\)`: must have required property/)
})

t.test('sign-with rejects a key without kid', async t => {
  const federationFile = join(tmp, 'kid-federation.json')
  const authorityKey = join(tmp, 'kid-authority.jwk')
  t.equal((await nfp('federation', 'keygen', '--out', authorityKey)).code, 0)
  const jwk = JSON.parse(readFileSync(authorityKey, 'utf8'))
  const withoutKid = join(tmp, 'no-kid-authority.jwk')
  writeFileSync(withoutKid, JSON.stringify({ ...jwk, kid: undefined }), { mode: 0o600 })
  const wrongKid = join(tmp, 'wrong-kid-authority.jwk')
  writeFileSync(wrongKid, JSON.stringify({ ...jwk, kid: 'authority-1' }), { mode: 0o600 })

  const missing = await nfp('federation', 'create', '--name', 'Kid', '--file', federationFile, '--sign-with', withoutKid)
  t.equal(missing.code, 2)
  t.match(missing.stderr, `has no \`kid\``)
  t.match(missing.stderr, `Add "kid": "${jwk.kid as string}"`)

  const wrong = await nfp('federation', 'create', '--name', 'Kid', '--file', federationFile, '--sign-with', wrongKid)
  t.equal(wrong.code, 2)
  t.match(wrong.stderr, /the `kid` authority-1 in .* is not the RFC 7638 thumbprint/)
})
