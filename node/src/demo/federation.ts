import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { exportJWK, generateKeyPair } from 'jose'
import type { JWK } from 'jose'
import { errors, importSigningKey, keyIdOf, signMembership } from '@ceasefire/protocol'
import type { Membership, SigningKey } from '@ceasefire/protocol'
import { ApiClient } from '../cli/client.ts'
import { DEFAULT_POLICIES_DIR, initNode } from '../cli/init.ts'
import { signModuleFile } from '../policy-trust.ts'
import { addMember, createMembership } from '../federation/authority.ts'
import { readApiToken } from '../identity.ts'

/** One jurisdiction of the local demo federation. */
export interface DemoMemberSpec {
  jurisdiction: string
  name: string
  agency: string
  languages: string[]
}

export const DEMO_MEMBERS: DemoMemberSpec[] = [
  { jurisdiction: 'DE', name: 'Germany NFP', agency: 'Bundeskriminalamt (BKA)', languages: ['de', 'en'] },
  { jurisdiction: 'NL', name: 'Netherlands NFP', agency: 'Politie, Landelijke Eenheid', languages: ['nl', 'en'] },
  { jurisdiction: 'SE', name: 'Sweden NFP', agency: 'Polismyndigheten, Nationella operativa avdelningen (NOA)', languages: ['sv', 'en'] }
]

export interface DemoNode {
  jurisdiction: string
  dir: string
  api: ApiClient
  process: ChildProcess
  logPath: string
}

export interface Federation {
  nodes: Map<string, DemoNode>
  stop: () => Promise<void>
}

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url))

/**
 * Starts a federation of separate node processes on 127.0.0.1, each with its own folder,
 * keys and ports, and waits until every node passes its health check.
 */
export async function startFederation (dir: string, options: { fresh: boolean, members?: DemoMemberSpec[] }): Promise<Federation> {
  const root = resolve(dir)
  const specs = options.members ?? DEMO_MEMBERS
  if (options.fresh) rmSync(root, { recursive: true, force: true })
  mkdirSync(root, { recursive: true })

  const policies = await signedPolicyCopy(root)
  const authority = await demoAuthority(root)

  // Ports are chosen anew each run; keys and data in the node folders are kept between runs.
  const ports = await freePorts(specs.length * 2)
  const members = []
  const configs = new Map<string, { configPath: string, httpPort: number }>()
  for (const [i, spec] of specs.entries()) {
    const httpPort = ports[i * 2] as number
    const p2pPort = ports[i * 2 + 1] as number
    const { configPath, member } = await initNode({
      dir: join(root, spec.jurisdiction.toLowerCase()),
      jurisdiction: spec.jurisdiction,
      agency: spec.agency,
      name: spec.name,
      httpPort,
      p2pPort,
      federationFile: '../federation.json',
      policiesDir: policies.dir,
      trustKeys: [policies.trustKey],
      membershipAuthority: authority.anchor,
      force: true
    })
    // The demo shows an overdue case by moving the deadline clock forward (POST /demo/clock);
    // only these demo nodes allow it, `nfp init` never writes the setting.
    writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), demoClockControl: true }, null, 2) + '\n')
    members.push({ ...member, languages: spec.languages })
    configs.set(spec.jurisdiction, { configPath, httpPort })
  }
  // The federation authority issues the membership: one signed version per member added, the
  // way a real authority admits members one at a time. Nodes accept only versions it signed.
  let membership: Membership = await createMembership('Ceasefire local demo federation')
  for (const member of members) membership = await addMember(membership, member)
  const signed = await signMembership(membership, authority.key)
  writeFileSync(join(root, 'federation.json'), JSON.stringify(signed, null, 2) + '\n')
  // Data folders kept from an earlier run may hold that run's membership; this run's is newer.
  for (const spec of specs) rmSync(join(root, spec.jurisdiction.toLowerCase(), 'data', 'membership.signed.json'), { force: true })

  const nodes = new Map<string, DemoNode>()
  let stopping = false
  const stop = async (): Promise<void> => {
    stopping = true
    await stopAll(Array.from(nodes.values()))
  }
  try {
    for (const spec of specs) {
      const { configPath, httpPort } = configs.get(spec.jurisdiction)!
      const nodeDir = join(root, spec.jurisdiction.toLowerCase())
      const logPath = join(nodeDir, 'node.log')
      const log = openSync(logPath, 'a')
      // The pipe on stdin closes when this process dies, however it dies, and the node then stops.
      const child = spawn(process.execPath, [MAIN, 'start', '--config', configPath, '--stop-on-stdin-close'], { stdio: ['pipe', log, log] })
      closeSync(log)
      const api = new ApiClient(`http://127.0.0.1:${httpPort}`, readApiToken(join(nodeDir, 'data')))
      nodes.set(spec.jurisdiction, { jurisdiction: spec.jurisdiction, dir: nodeDir, api, process: child, logPath })
    }
    for (const node of nodes.values()) await waitHealthy(node, 30000)
    for (const node of nodes.values()) {
      node.process.once('exit', (code, signal) => {
        if (!stopping) console.error(`node ${node.jurisdiction} exited unexpectedly (${signal ?? `status ${String(code)}`}); see ${node.logPath}`)
      })
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { nodes, stop }
}

/**
 * Copies the repository's policy modules into the demo folder and signs every module there
 * with a demo legal officer's key, created on the first run and kept with mode 600. The nodes
 * trust only that key, as a real deployment trusts its own legal officers; the repository's
 * own files are never changed.
 */
async function signedPolicyCopy (root: string): Promise<{ dir: string, trustKey: { kid: string, name: string, jwk: { kty: 'OKP', crv: 'Ed25519', x: string } } }> {
  const dir = join(root, 'policies')
  rmSync(dir, { recursive: true, force: true })
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true })

  const keyFile = join(root, 'demo-legal-officer.jwk')
  if (!existsSync(keyFile)) {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), name: 'Demo legal officer' }, null, 2) + '\n', { mode: 0o600 })
  }
  const officer = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK & { name: string }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && existsSync(join(dir, entry.name, 'module.json'))) {
      await signModuleFile(join(dir, entry.name, 'module.json'), { privateJwk: officer, name: officer.name })
    }
  }
  const kid = await keyIdOf(officer)
  return { dir, trustKey: { kid, name: officer.name, jwk: { kty: 'OKP', crv: 'Ed25519', x: officer.x as string } } }
}

/** The demo's federation authority key, created on the first run and kept with mode 600. */
async function demoAuthority (root: string): Promise<{ key: { privateKey: SigningKey, kid: string }, anchor: { kid: string, name: string, jwk: { kty: 'OKP', crv: 'Ed25519', x: string } } }> {
  const keyFile = join(root, 'demo-federation-authority.jwk')
  if (!existsSync(keyFile)) {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const privateJwk = await exportJWK(privateKey)
    writeFileSync(keyFile, JSON.stringify({ ...privateJwk, kid: await keyIdOf(privateJwk), name: 'Demo federation authority' }, null, 2) + '\n', { mode: 0o600 })
  }
  const jwk = JSON.parse(readFileSync(keyFile, 'utf8')) as JWK & { name: string }
  const kid = await keyIdOf(jwk)
  // The file carries its kid so that `nfp federation ... --sign-with` can use it; key files
  // written by earlier demo runs lack it and get it added here.
  if (jwk.kid !== kid) writeFileSync(keyFile, JSON.stringify({ ...jwk, kid }, null, 2) + '\n', { mode: 0o600 })
  return {
    key: { privateKey: await importSigningKey(jwk), kid },
    anchor: { kid, name: jwk.name, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string } }
  }
}

async function waitHealthy (node: DemoNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (node.process.exitCode !== null) {
      throw new errors.InternalError(`node ${node.jurisdiction} exited with status ${node.process.exitCode} while starting; its log ${node.logPath} ends with:\n${tail(node.logPath)}`)
    }
    try {
      const response = await fetch(node.api.baseUrl + '/health')
      if (response.ok) return
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new errors.PeerTimeoutError(`node ${node.jurisdiction} did not pass its health check within ${timeoutMs} ms; see ${node.logPath}`)
}

async function stopAll (nodes: DemoNode[]): Promise<void> {
  await Promise.all(nodes.map(async node => {
    if (node.process.exitCode !== null || node.process.signalCode !== null) return
    const exited = new Promise<void>(resolve => node.process.once('exit', () => { resolve() }))
    node.process.kill('SIGTERM')
    const timer = setTimeout(() => node.process.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }))
}

function tail (path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n')
  } catch {
    return '(no log)'
  }
}

/** Asks the operating system for free TCP ports on 127.0.0.1. Another process could take one before the node binds it; the node then fails to start with a clear error. */
export async function freePorts (count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, async () => await new Promise<import('node:net').Server>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => { resolve(server) })
  })))
  const ports = servers.map(s => (s.address() as import('node:net').AddressInfo).port)
  await Promise.all(servers.map(async s => { await new Promise(resolve => s.close(resolve)) }))
  return ports
}
