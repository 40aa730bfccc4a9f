import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import type { Logger } from 'pino'
import type { Member, Membership } from '../../../protocol/src/index.ts'
import { checkConfig } from '../../src/config.ts'
import type { NodeConfig } from '../../src/config.ts'
import { freePorts } from '../../src/demo/federation.ts'
import { createIdentity } from '../../src/identity.ts'
import { startNode } from '../../src/runtime.ts'
import type { RunningNode } from '../../src/runtime.ts'

export const POLICIES_DIR = fileURLToPath(new URL('../../../policies', import.meta.url))

/** Nodes started in this process, each with its own temporary folder, keys and real ports on 127.0.0.1. */
export interface Cluster {
  root: string
  configs: Map<string, NodeConfig>
  members: Map<string, Member>
  nodes: Map<string, RunningNode>
  node: (jurisdiction: string) => RunningNode
  start: (jurisdiction: string) => Promise<RunningNode>
  stop: (jurisdiction: string) => Promise<void>
  close: () => Promise<void>
}

/** Creates keys, configuration and a shared membership file for the given jurisdictions and starts them. */
export async function startCluster (jurisdictions: string[], options: {
  policiesDir?: string
  policyTrust?: { keys: unknown[], allowUnsigned?: boolean }
  /** Further keys of every node's configuration, such as `hits`. */
  config?: Record<string, unknown>
  /** Logger of each node; silent unless given. */
  logger?: (jurisdiction: string) => Logger
} = {}): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'nfp-test-'))
  const ports = await freePorts(jurisdictions.length * 2)
  const configs = new Map<string, NodeConfig>()
  const members = new Map<string, Member>()

  for (const [i, jurisdiction] of jurisdictions.entries()) {
    const dir = join(root, jurisdiction.toLowerCase())
    const identity = await createIdentity(join(dir, 'data'))
    const p2pPort = ports[i * 2 + 1] as number
    const config = checkConfig({
      jurisdiction,
      agency: `${jurisdiction} test agency`,
      dataDir: './data',
      federationFile: '../federation.json',
      policiesDir: options.policiesDir ?? POLICIES_DIR,
      http: { host: '127.0.0.1', port: ports[i * 2] as number },
      p2p: { listen: [`/ip4/127.0.0.1/tcp/${p2pPort}`] },
      shareTimeoutMs: 5000,
      logLevel: 'silent',
      // Unless a test passes its own trust, the repository's modules run as they are, unsigned.
      policyTrust: options.policyTrust ?? { keys: [], allowUnsigned: true },
      ...options.config
    }, join(dir, 'node.json'))
    configs.set(jurisdiction, config)
    members.set(jurisdiction, {
      jurisdiction,
      name: `${jurisdiction} test node`,
      peerId: identity.peerId,
      addresses: [`/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${identity.peerId}`],
      signingKeys: [{ kid: identity.signing.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: identity.signing.publicJwk.x as string } }]
    })
  }
  const membership: Membership = { federation: 'test federation', version: 1, members: Array.from(members.values()) }
  writeFileSync(join(root, 'federation.json'), JSON.stringify(membership, null, 2))

  const nodes = new Map<string, RunningNode>()
  const start = async (jurisdiction: string): Promise<RunningNode> => {
    const node = await startNode(configs.get(jurisdiction) as NodeConfig, options.logger?.(jurisdiction) ?? pino({ level: 'silent' }))
    nodes.set(jurisdiction, node)
    return node
  }
  const stop = async (jurisdiction: string): Promise<void> => {
    await nodes.get(jurisdiction)?.stop()
    nodes.delete(jurisdiction)
  }
  for (const jurisdiction of jurisdictions) await start(jurisdiction)

  return {
    root,
    configs,
    members,
    nodes,
    node: (jurisdiction) => {
      const node = nodes.get(jurisdiction)
      if (node === undefined) throw new Error(`node ${jurisdiction} is not running`)
      return node
    },
    start,
    stop,
    close: async () => {
      for (const jurisdiction of Array.from(nodes.keys())) await stop(jurisdiction)
      rmSync(root, { recursive: true, force: true })
    }
  }
}

/** A schema-valid Firearm draft of the given jurisdiction. */
export function firearmDraft (jurisdiction: string, localId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:${jurisdiction.toLowerCase()}:firearm:${localId}`,
    type: 'Firearm',
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2099-01-01',
    make: 'Glock',
    model: '17 Gen 4',
    calibre: '9x19mm Parabellum',
    firearmKind: 'pistol',
    serialNumber: 'ABC123',
    ...extra
  }
}

/** A schema-valid Person draft of the given jurisdiction and data-subject category. */
export function personDraft (jurisdiction: string, localId: string, subjectCategory: string): Record<string, unknown> {
  return {
    '@context': 'urn:ceasefire:context:v1',
    id: `urn:nfp:${jurisdiction.toLowerCase()}:person:${localId}`,
    type: 'Person',
    handlingCode: 'H0',
    grading: { sourceReliability: 'B', informationAccuracy: 2 },
    legalBasis: 'Directive (EU) 2023/977 Art. 7',
    reviewBy: '2099-01-01',
    subjectCategory,
    givenName: 'Testa',
    familyName: 'Synthetic',
    dateOfBirth: '1980-02-03',
    placeOfBirth: 'Nowhere',
    address: '1 Test Street',
    identityDocuments: [{ documentType: 'passport', documentNumber: 'X000000001', issuingCountry: jurisdiction }]
  }
}
