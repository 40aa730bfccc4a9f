import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { generateSigningKey, importSigningKey, signMembership } from '../../../protocol/src/index.ts'
import type { Member, Membership, SignedMembership, SigningKeyPair } from '../../../protocol/src/index.ts'
import { checkConfig } from '../../src/config.ts'
import type { NodeConfig } from '../../src/config.ts'
import { freePorts } from '../../src/demo/federation.ts'
import { addMember, createMembership } from '../../src/federation/authority.ts'
import { createIdentity } from '../../src/identity.ts'
import { startNode } from '../../src/runtime.ts'
import type { RunningNode } from '../../src/runtime.ts'
import { POLICIES_DIR } from '../helpers/cluster.ts'

/** Nodes that trust one federation authority, each with its own folder and ports on 127.0.0.1. */
export interface SignedFederation {
  root: string
  authority: SigningKeyPair
  members: Map<string, Member>
  configs: Map<string, NodeConfig>
  nodes: Map<string, RunningNode>
  /** The newest document the authority issued. */
  current: Membership
  node: (jurisdiction: string) => RunningNode
  /** Creates keys and configuration for a node without adding it to the membership. */
  prepare: (jurisdiction: string) => Promise<Member>
  sign: (membership: Membership, key?: SigningKeyPair) => Promise<SignedMembership>
  /** Replaces the federation file that nodes read at start, as the authority does for a new member. */
  publish: (membership: Membership) => Promise<void>
  start: (jurisdiction: string) => Promise<RunningNode>
  stop: (jurisdiction: string) => Promise<void>
  close: () => Promise<void>
}

/**
 * Starts `initial` as members of version 1 of a signed membership. The federation file every
 * node reads holds version 1; later versions reach nodes through the API and the exchange.
 */
export async function startSignedFederation (initial: string[]): Promise<SignedFederation> {
  const root = mkdtempSync(join(tmpdir(), 'nfp-federation-'))
  const authority = await generateSigningKey()
  const members = new Map<string, Member>()
  const configs = new Map<string, NodeConfig>()
  const nodes = new Map<string, RunningNode>()

  const prepare = async (jurisdiction: string): Promise<Member> => {
    const dir = join(root, jurisdiction.toLowerCase())
    const identity = await createIdentity(join(dir, 'data'))
    const [httpPort, p2pPort] = await freePorts(2) as [number, number]
    configs.set(jurisdiction, checkConfig({
      jurisdiction,
      agency: `${jurisdiction} test agency`,
      dataDir: './data',
      federationFile: '../federation.json',
      policiesDir: POLICIES_DIR,
      http: { host: '127.0.0.1', port: httpPort },
      p2p: { listen: [`/ip4/127.0.0.1/tcp/${p2pPort}`] },
      shareTimeoutMs: 5000,
      logLevel: 'silent',
      policyTrust: { keys: [], allowUnsigned: true },
      membershipAuthority: { kid: authority.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: authority.publicJwk.x as string } }
    }, join(dir, 'node.json')))
    const member: Member = {
      jurisdiction,
      name: `${jurisdiction} test node`,
      agencies: [{ name: `${jurisdiction} police`, roles: ['single-point-of-contact', 'law-enforcement'] }],
      peerId: identity.peerId,
      addresses: [`/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${identity.peerId}`],
      languages: ['en'],
      signingKeys: [{ kid: identity.signing.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: identity.signing.publicJwk.x as string } }]
    }
    members.set(jurisdiction, member)
    return member
  }

  const sign = async (membership: Membership, key = authority): Promise<SignedMembership> =>
    await signMembership(membership, { privateKey: await importSigningKey(key.privateJwk), kid: key.kid })

  let current = await createMembership('test federation')
  for (const jurisdiction of initial) current = await addMember(current, await prepare(jurisdiction))
  // The first document a federation issues is version 1, whatever steps built it.
  current = { ...current, version: 1 }
  writeFileSync(join(root, 'federation.json'), JSON.stringify(await sign(current), null, 2))

  const federation: SignedFederation = {
    root,
    authority,
    members,
    configs,
    nodes,
    current,
    node: (jurisdiction) => {
      const node = nodes.get(jurisdiction)
      if (node === undefined) throw new Error(`node ${jurisdiction} is not running`)
      return node
    },
    prepare,
    sign,
    publish: async (membership) => { writeFileSync(join(root, 'federation.json'), JSON.stringify(await sign(membership), null, 2)) },
    start: async (jurisdiction) => {
      const node = await startNode(configs.get(jurisdiction) as NodeConfig, pino({ level: 'silent' }))
      nodes.set(jurisdiction, node)
      return node
    },
    stop: async (jurisdiction) => {
      await nodes.get(jurisdiction)?.stop()
      nodes.delete(jurisdiction)
    },
    close: async () => {
      for (const jurisdiction of Array.from(nodes.keys())) await federation.stop(jurisdiction)
      rmSync(root, { recursive: true, force: true })
    }
  }
  for (const jurisdiction of initial) await federation.start(jurisdiction)
  return federation
}

/** Polls `check` every 50 ms until it returns true or `timeoutMs` passes. */
export async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return await check()
}
