import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { closeSync, cpSync, existsSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errorFromCode, errors, generateSigningKey } from '@ceasefire/protocol'
import type { Membership } from '@ceasefire/protocol'
import { DEFAULT_POLICIES_DIR, initNode } from '../node/src/cli/init.ts'
import { freePorts } from '../node/src/demo/federation.ts'
import { readApiToken } from '../node/src/identity.ts'
import { signModuleFile } from '../node/src/policy-trust.ts'

const MAIN = fileURLToPath(new URL('../node/src/cli/main.ts', import.meta.url))

/** Time a node gets to pass its health check after it is spawned. */
const START_TIMEOUT_MS = 30000

/** Time a node gets to exit after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5000

/** Time an API request may take. It is well above a share's wait for its receipt, which is the node's `shareTimeoutMs` (10 s by default). */
const REQUEST_TIMEOUT_MS = 30000

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug'

/**
 * One node run as a separate `nfp start` process, with its folder, ports and keys kept across
 * restarts, so a restarted node resumes from its own database.
 */
export class NodeProcess {
  readonly jurisdiction: string
  readonly dir: string
  readonly dataDir: string
  readonly configPath: string
  readonly logPath: string
  /** Base URL of the node's HTTP API. */
  readonly url: string
  readonly #token: string
  /** Times the process was started, including the first start. */
  starts = 0
  /** Times the process was killed with SIGKILL. */
  kills = 0
  #child: ChildProcess | undefined

  constructor (init: { jurisdiction: string, dir: string, configPath: string, httpPort: number }) {
    this.jurisdiction = init.jurisdiction
    this.dir = init.dir
    this.dataDir = join(init.dir, 'data')
    this.configPath = init.configPath
    this.logPath = join(init.dir, 'node.log')
    this.url = `http://127.0.0.1:${init.httpPort}`
    this.#token = readApiToken(this.dataDir)
  }

  /**
   * Sends an API request and returns the parsed JSON body.
   *
   * @throws ApiUnreachableError when no complete response arrives: the node is down, was killed
   *   before its response was complete, or did not respond within 30 s. Otherwise the typed
   *   error that a non-2xx response names.
   */
  async request<T> (method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let status: number
    let text: string
    try {
      const response = await fetch(this.url + path, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
      })
      status = response.status
      // Reading the body is inside the try: a node killed mid-response breaks the body, not the headers.
      text = await response.text()
    } catch (err) {
      throw new errors.ApiUnreachableError(`${method} ${path} on node ${this.jurisdiction} got no complete response: ${(err as Error).message}`, { cause: err })
    }
    const parsed = text === '' ? undefined : JSON.parse(text) as Record<string, unknown>
    if (status < 200 || status > 299) {
      throw errorFromCode(String(parsed?.code ?? 'ERR_INTERNAL'), `${method} ${path} on node ${this.jurisdiction}: HTTP ${status}: ${String(parsed?.message ?? text)}`)
    }
    return parsed as T
  }

  get running (): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  /** Process id of the running node, or undefined when it is not running. */
  get pid (): number | undefined {
    return this.running ? this.#child?.pid : undefined
  }

  /**
   * Spawns the node and waits until it passes the health check of its HTTP API, for up to
   * `timeoutMs` (default 30 s; a first start on a large store rebuilds indexes and takes longer).
   */
  async start (options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.running) throw new errors.InternalError(`node ${this.jurisdiction} is already running`)
    const log = openSync(this.logPath, 'a')
    // The pipe on stdin closes when this process dies, however it dies, and the node then stops.
    const child = spawn(process.execPath, [MAIN, 'start', '--config', this.configPath, '--stop-on-stdin-close'], { stdio: ['pipe', log, log], env: nodeEnvironment() })
    closeSync(log)
    this.#child = child
    this.starts++
    await this.#waitHealthy(child, options.timeoutMs ?? START_TIMEOUT_MS)
  }

  /** Kills the node with SIGKILL, so it gets no chance to finish or flush anything, and waits for its exit. */
  async kill (): Promise<void> {
    const child = this.#child
    if (child === undefined || !this.running) return
    const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
    child.kill('SIGKILL')
    await exited
    this.kills++
  }

  /** Stops the node with SIGTERM, and with SIGKILL if it has not exited after a few seconds. */
  async stop (): Promise<void> {
    const child = this.#child
    if (child === undefined || !this.running) return
    const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }

  /** Returns the last lines of the node's log, for error messages. */
  logTail (lines = 15): string {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n')
    } catch {
      return '(no log)'
    }
  }

  async #waitHealthy (child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new errors.InternalError(`node ${this.jurisdiction} exited (${child.signalCode ?? `status ${String(child.exitCode)}`}) while starting. Its log ${this.logPath} ends with:\n${this.logTail()}`)
      }
      try {
        const response = await fetch(this.url + '/health', { signal: AbortSignal.timeout(2000) })
        if (response.ok) return
      } catch {
        // Not listening yet.
      }
      await sleep(50)
    }
    child.kill('SIGKILL')
    throw new errors.PeerTimeoutError(`node ${this.jurisdiction} did not pass its health check within ${timeoutMs} ms. See its log ${this.logPath}`)
  }
}

/** The jurisdictions to create node folders for, under `root`, and settings of their node.json. */
export interface NodeSetOptions {
  root: string
  jurisdictions: string[]
  /** Default `warn`: per-record info lines would cost the nodes CPU that a run measures. */
  logLevel?: LogLevel
  /** The node's `shareTimeoutMs`: how long a share request waits for a receipt, and a delivery attempt for its response. */
  shareTimeoutMs?: number
}

/**
 * Creates a folder, keys and configuration for each jurisdiction with `initNode`, on free ports
 * of 127.0.0.1, and one federation file that lists them all. The nodes load a signed copy of
 * the repository's policy modules. Nothing is started.
 */
export async function createNodeSet (options: NodeSetOptions): Promise<Map<string, NodeProcess>> {
  const policies = await signedPolicyCopy(options.root)
  const ports = await freePorts(options.jurisdictions.length * 2)
  const members = []
  const nodes = new Map<string, NodeProcess>()
  for (const [i, jurisdiction] of options.jurisdictions.entries()) {
    const dir = join(options.root, jurisdiction.toLowerCase())
    const httpPort = ports[i * 2] as number
    const { configPath, member } = await initNode({
      dir,
      jurisdiction,
      agency: `${jurisdiction} fault-injection agency`,
      httpPort,
      p2pPort: ports[i * 2 + 1] as number,
      federationFile: '../federation.json',
      policiesDir: policies.dir,
      trustKeys: [policies.trustKey]
    })
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>
    const settings = { logLevel: options.logLevel ?? 'warn', ...(options.shareTimeoutMs === undefined ? {} : { shareTimeoutMs: options.shareTimeoutMs }) }
    writeFileSync(configPath, JSON.stringify({ ...config, ...settings }, null, 2) + '\n')
    members.push(member)
    nodes.set(jurisdiction, new NodeProcess({ jurisdiction, dir, configPath, httpPort }))
  }
  const membership: Membership = { federation: 'Ceasefire fault-injection federation', version: 1, issued: new Date().toISOString(), members }
  writeFileSync(join(options.root, 'federation.json'), JSON.stringify(membership, null, 2) + '\n')
  return nodes
}

/**
 * Copies the repository's policy modules to `<root>/policies` and signs each with a legal
 * officer key made for this run. Nodes load only modules signed by a key they trust, unless
 * `policyTrust.allowUnsigned` is set, which a production node never sets.
 */
async function signedPolicyCopy (root: string): Promise<{ dir: string, trustKey: { kid: string, name: string, jwk: { kty: 'OKP', crv: 'Ed25519', x: string } } }> {
  const dir = join(root, 'policies')
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true })
  const officer = await generateSigningKey()
  const name = 'Fault-injection legal officer'
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const moduleFile = join(dir, entry.name, 'module.json')
    if (entry.isDirectory() && existsSync(moduleFile)) await signModuleFile(moduleFile, { privateJwk: officer.privateJwk, name })
  }
  return { dir, trustKey: { kid: officer.kid, name, jwk: { kty: 'OKP', crv: 'Ed25519', x: officer.publicJwk.x as string } } }
}

/** Stops every running node of the set. Errors are ignored, because teardown must reach every node. */
export async function stopAll (nodes: Iterable<NodeProcess>): Promise<void> {
  await Promise.all(Array.from(nodes, async node => { await node.stop().catch(() => {}) }))
}

/**
 * Returns this process's environment without the hooks that tap 21 puts into NODE_OPTIONS and
 * without the `_TAPJS_` variables of its test processes. The nodes under test then run as
 * `nfp start` runs in production, and tap does not track them as part of the test.
 */
function nodeEnvironment (): NodeJS.ProcessEnv {
  const env = { ...process.env }
  if (env.NODE_OPTIONS?.includes('@tapjs/') === true) delete env.NODE_OPTIONS
  for (const name of Object.keys(env)) {
    if (name.startsWith('_TAPJS_')) delete env[name]
  }
  return env
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}
