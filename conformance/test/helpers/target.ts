import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { generateSigningKey, importSigningKey, signMembership } from '@ceasefire/protocol'
import type { Member, Membership } from '@ceasefire/protocol'
import { checkConfig } from '../../../node/src/config.ts'
import { freePorts } from '../../../node/src/demo/federation.ts'
import { createIdentity } from '../../../node/src/identity.ts'
import { startNode } from '../../../node/src/runtime.ts'
import type { NodeComponents } from '../../../node/src/components.ts'
import { createMemberKey, memberEntry } from '../../src/member-key.ts'
import type { TestMember } from '../../src/member-key.ts'
import type { JWK } from 'jose'

const POLICIES_DIR = fileURLToPath(new URL('../../../policies', import.meta.url))

/** A node under test started in this process, and the test member its federation lists. */
export interface Target {
  peer: string
  api: string
  apiToken: string
  member: TestMember
  /** The test member's key file, as `nfp-conformance keygen` writes it. */
  memberKeyFile: string
  memberListen: string
  /** The federation authority's private JWK, which a test federation may hand to the suite. */
  authorityJwk: JWK
  stop: () => Promise<void>
}

/**
 * Starts a real node (libp2p on 127.0.0.1, LevelDB in a temporary folder, HTTP) of jurisdiction
 * SE. Its federation, signed by an authority key made here, lists the node and the suite's test
 * member XC, as an integrator's federation authority would. `components` replaces parts of the
 * node to build a broken variant.
 */
export async function startTarget (components: Partial<NodeComponents> = {}): Promise<Target> {
  const root = mkdtempSync(join(tmpdir(), 'nfp-conformance-'))
  const [httpPort, p2pPort, memberPort] = await freePorts(3) as [number, number, number]
  const identity = await createIdentity(join(root, 'se', 'data'))
  const { member } = await createMemberKey(join(root, 'member.json'), 'XC')
  const memberListen = `/ip4/127.0.0.1/tcp/${memberPort}`

  const authority = await generateSigningKey()
  const nodeEntry: Member = {
    jurisdiction: 'SE',
    name: 'SE node under test',
    peerId: identity.peerId,
    addresses: [`/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${identity.peerId}`],
    languages: ['sv', 'en'],
    signingKeys: [{ kid: identity.signing.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: identity.signing.publicJwk.x as string } }]
  }
  const membership: Membership = { federation: 'conformance test federation', version: 1, issued: new Date().toISOString(), members: [nodeEntry, memberEntry(member, [`${memberListen}/p2p/${member.peerId}`])] }
  const signed = await signMembership(membership, { privateKey: await importSigningKey(authority.privateJwk), kid: authority.kid })
  writeFileSync(join(root, 'federation.json'), JSON.stringify(signed, null, 2))

  const config = checkConfig({
    jurisdiction: 'SE',
    agency: 'SE conformance target',
    dataDir: './data',
    federationFile: '../federation.json',
    policiesDir: POLICIES_DIR,
    http: { host: '127.0.0.1', port: httpPort },
    p2p: { listen: [`/ip4/127.0.0.1/tcp/${p2pPort}`] },
    shareTimeoutMs: 5000,
    logLevel: 'silent',
    policyTrust: { keys: [], allowUnsigned: true },
    membershipAuthority: { kid: authority.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: authority.publicJwk.x as string } }
  }, join(root, 'se', 'node.json'))
  const node = await startNode(config, pino({ level: 'silent' }), {}, components)
  return {
    peer: `/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${identity.peerId}`,
    api: node.url,
    apiToken: identity.apiToken,
    member,
    memberKeyFile: join(root, 'member.json'),
    memberListen,
    authorityJwk: authority.privateJwk,
    stop: async () => {
      await node.stop()
      rmSync(root, { recursive: true, force: true })
    }
  }
}
