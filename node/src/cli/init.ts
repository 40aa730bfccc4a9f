import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { keyIdOf } from '@ceasefire/protocol'
import type { Member } from '@ceasefire/protocol'
import type { JWK } from 'jose'
import { createIdentity } from '../identity.ts'
import { readPassphrase } from '../secrets.ts'
import type { Command } from './args.ts'
import { UsageError, integerOption, requireString } from './args.ts'

/** The repository's policy modules, the default for new nodes. */
export const DEFAULT_POLICIES_DIR = fileURLToPath(new URL('../../../policies', import.meta.url))

export interface InitOptions {
  dir: string
  jurisdiction: string
  agency: string
  name?: string
  httpPort: number
  p2pPort: number
  federationFile?: string
  policiesDir?: string
  /** Public keys of legal officers whose signature makes a policy module loadable. */
  trustKeys?: Array<{ kid: string, jwk: { kty: 'OKP', crv: 'Ed25519', x: string }, name?: string }>
  /** Development only: load unsigned policy modules. */
  allowUnsignedPolicies?: boolean
  /** Public key of the federation authority; the node then accepts only membership versions it signed. */
  membershipAuthority?: { kid: string, name?: string, jwk: { kty: 'OKP', crv: 'Ed25519', x: string } }
  force?: boolean
  /** Encrypts new key files with this passphrase. */
  passphrase?: string
}

/**
 * Creates a node folder: `node.json`, keys in `data/keys` (mode 0600) and `member.json`, the
 * entry the federation file needs for this node. Existing keys are kept.
 */
export async function initNode (options: InitOptions): Promise<{ configPath: string, member: Member }> {
  const dir = resolve(options.dir)
  const policiesDir = resolve(options.policiesDir ?? DEFAULT_POLICIES_DIR)
  if (!existsSync(join(policiesDir, options.jurisdiction.toLowerCase(), 'module.json'))) {
    throw new UsageError(`no policy module for ${options.jurisdiction} in ${policiesDir}; a node cannot share without its jurisdiction's rules. Create ${join(policiesDir, options.jurisdiction.toLowerCase(), 'module.json')} (see policies/README.md) or pass --policies`)
  }
  mkdirSync(dir, { recursive: true })
  const configPath = join(dir, 'node.json')
  if (existsSync(configPath) && options.force !== true) {
    throw new UsageError(`\`${configPath}\` already exists; pass --force to overwrite the configuration (keys are always kept)`)
  }

  const identity = await createIdentity(join(dir, 'data'), options.passphrase === undefined ? {} : { passphrase: options.passphrase })
  const config = {
    jurisdiction: options.jurisdiction,
    agency: options.agency,
    dataDir: './data',
    federationFile: relative(dir, resolve(dir, options.federationFile ?? '../federation.json')) || '.',
    policiesDir: relative(dir, policiesDir),
    http: { host: '127.0.0.1', port: options.httpPort },
    p2p: { listen: [`/ip4/127.0.0.1/tcp/${options.p2pPort}`] },
    policyTrust: { keys: options.trustKeys ?? [], ...(options.allowUnsignedPolicies === true ? { allowUnsigned: true } : {}) },
    ...(options.membershipAuthority === undefined ? {} : { membershipAuthority: options.membershipAuthority })
  }
  writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n')

  const member: Member = {
    jurisdiction: options.jurisdiction,
    name: options.name ?? `${options.jurisdiction} National Focal Point`,
    agency: options.agency,
    peerId: identity.peerId,
    addresses: [`/ip4/127.0.0.1/tcp/${options.p2pPort}/p2p/${identity.peerId}`],
    languages: ['en'],
    signingKeys: [{ kid: identity.signing.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: identity.signing.publicJwk.x as string } }]
  }
  writeFileSync(join(dir, 'member.json'), JSON.stringify(member, null, 2) + '\n')
  return { configPath, member }
}

export const initCommand: Command = {
  name: 'init',
  summary: 'create a node folder with its keys and configuration',
  usage: 'nfp init --jurisdiction SE --agency "Polisen NOA" --dir ./se [options]',
  options: {
    jurisdiction: { type: 'string' },
    agency: { type: 'string' },
    name: { type: 'string' },
    dir: { type: 'string' },
    'http-port': { type: 'string' },
    'p2p-port': { type: 'string' },
    federation: { type: 'string' },
    policies: { type: 'string' },
    'trust-key': { type: 'string', multiple: true },
    'authority-key': { type: 'string' },
    'allow-unsigned-policies': { type: 'boolean' },
    encrypt: { type: 'boolean' },
    'passphrase-file': { type: 'string' },
    force: { type: 'boolean' }
  },
  help: {
    jurisdiction: 'ISO 3166-1 alpha-2 code of the jurisdiction, e.g. SE (required).',
    agency: 'Agency written into the provenance of records (required).',
    name: 'Display name of the node in the federation file.',
    dir: 'Folder to create the node in (required).',
    'http-port': 'TCP port of the HTTP API on 127.0.0.1 (default 7100).',
    'p2p-port': 'TCP port of the libp2p listener on 127.0.0.1 (default 7200).',
    federation: 'Path of the federation membership file, relative to --dir (default ../federation.json).',
    policies: 'Folder of policy modules (default: the policies/ folder of this repository).',
    'trust-key': 'Public JWK file of a legal officer (from `nfp policy keygen`) whose signature this node accepts on policy modules; repeat for several.',
    'allow-unsigned-policies': 'Development only: load policy modules that no trusted officer signed. The node warns at every load.',
    'authority-key': 'Public JWK file of the federation authority (from `nfp federation keygen`); the node then accepts only membership versions it signed.',
    encrypt: 'Encrypt the new key files (scrypt and AES-256-GCM) with the passphrase from --passphrase-file or NFP_PASSPHRASE.',
    'passphrase-file': 'File holding the passphrase (mode 600); without it, NFP_PASSPHRASE is read.',
    force: 'Overwrite an existing node.json; keys are kept.'
  },
  run: async (values) => {
    const jurisdiction = requireString(values, 'jurisdiction')
    if (!/^[A-Z]{2}$/.test(jurisdiction)) throw new UsageError(`--jurisdiction must be an ISO 3166-1 alpha-2 code in upper case, got \`${jurisdiction}\``)
    let passphrase: string | undefined
    if (values.encrypt === true) {
      passphrase = readPassphrase(typeof values['passphrase-file'] === 'string' ? values['passphrase-file'] : undefined)
      if (passphrase === undefined) throw new UsageError('--encrypt needs a passphrase: set NFP_PASSPHRASE or pass --passphrase-file')
    }
    const { configPath, member } = await initNode({
      ...(passphrase === undefined ? {} : { passphrase }),
      dir: requireString(values, 'dir'),
      jurisdiction,
      agency: requireString(values, 'agency'),
      httpPort: integerOption(values, 'http-port', 7100, 1, 65535),
      p2pPort: integerOption(values, 'p2p-port', 7200, 1, 65535),
      force: values.force === true,
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      ...(typeof values.federation === 'string' ? { federationFile: values.federation } : {}),
      ...(typeof values.policies === 'string' ? { policiesDir: values.policies } : {}),
      trustKeys: await readTrustKeys(values['trust-key']),
      ...(typeof values['authority-key'] === 'string' ? { membershipAuthority: (await readTrustKeys([values['authority-key']]))[0]! } : {}),
      allowUnsignedPolicies: values['allow-unsigned-policies'] === true
    })
    console.log(`Created ${configPath}`)
    console.log(`Give ${join(dirname(configPath), 'member.json')} to the federation authority, which adds it with \`nfp federation add-member --member member.json\`. The entry:`)
    console.log(JSON.stringify(member, null, 2))
    return 0
  }
}

async function readTrustKeys (files: unknown): Promise<NonNullable<InitOptions['trustKeys']>> {
  const list = Array.isArray(files) ? files as string[] : []
  const keys: NonNullable<InitOptions['trustKeys']> = []
  for (const file of list) {
    let jwk: JWK & { name?: string }
    try {
      jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK & { name?: string }
    } catch (err) {
      throw new UsageError(`cannot read trusted key ${file}: ${(err as Error).message}`)
    }
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || jwk.d !== undefined) {
      throw new UsageError(`${file} must hold a public Ed25519 JWK (the .pub.jwk file of \`nfp policy keygen\`), never a private key`)
    }
    keys.push({ kid: await keyIdOf(jwk), jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, ...(typeof jwk.name === 'string' ? { name: jwk.name } : {}) })
  }
  return keys
}
