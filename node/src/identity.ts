import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { errors, generateSigningKey, importSigningKey } from '@ceasefire/protocol'
import { decryptSecret, encryptSecret, isEncrypted } from './secrets.ts'
import type { SigningKey, SigningKeyPair } from '@ceasefire/protocol'
import type { JWK } from 'jose'

/** The secrets a node keeps in `<dataDir>/keys`, each in its own file readable only by the owner. */
export interface NodeIdentity {
  /** libp2p Ed25519 key: the node's peer id and its Noise identity. */
  peerKey: PrivateKey
  peerId: string
  /** Ed25519 key that signs the records this node originates. */
  signing: { kid: string, privateKey: SigningKey, publicJwk: JWK }
  /** Bearer token for the HTTP API. */
  apiToken: string
}

const PEER_KEY = 'peer.key'
const SIGNING_KEY = 'record-signing-key.jwk'
const API_TOKEN = 'api-token'

/** How key files are protected at rest: with a passphrase they are encrypted (see secrets.ts). */
export interface SecretOptions {
  passphrase?: string
}

/**
 * Creates the key folder with fresh keys; existing files are kept, so running it twice is safe.
 * With a passphrase, new key files are written encrypted.
 */
export async function createIdentity (dataDir: string, options: SecretOptions = {}): Promise<NodeIdentity> {
  const dir = join(dataDir, 'keys')
  mkdirSync(dir, { recursive: true, mode: 0o700 })

  const peerPath = join(dir, PEER_KEY)
  if (!existsSync(peerPath)) {
    const key = await generateKeyPair('Ed25519')
    writeSecret(peerPath, Buffer.from(privateKeyToProtobuf(key)), options)
  }

  const signingPath = join(dir, SIGNING_KEY)
  if (!existsSync(signingPath)) {
    const pair: SigningKeyPair = await generateSigningKey()
    writeSecret(signingPath, Buffer.from(JSON.stringify({ kid: pair.kid, privateJwk: pair.privateJwk, publicJwk: pair.publicJwk }, null, 2) + '\n'), options)
  }

  const tokenPath = join(dir, API_TOKEN)
  if (!existsSync(tokenPath)) writeSecret(tokenPath, Buffer.from(randomBytes(32).toString('base64url') + '\n'), options)

  return await loadIdentity(dataDir, options)
}

/**
 * Loads the node's keys. Refuses key files that others can read, because a leaked signing key
 * lets anyone speak for this jurisdiction. Encrypted key files need `options.passphrase`.
 */
export async function loadIdentity (dataDir: string, options: SecretOptions = {}): Promise<NodeIdentity> {
  const dir = join(dataDir, 'keys')
  checkPrivate(dir, 'key folder', 0o077, 'chmod 700')

  const peerPath = join(dir, PEER_KEY)
  const peerKey = parseKeyFile(peerPath, options, bytes => privateKeyFromProtobuf(bytes))

  const signingPath = join(dir, SIGNING_KEY)
  const signingFile = parseKeyFile(signingPath, options, bytes => JSON.parse(bytes.toString('utf8')) as { kid: string, privateJwk: JWK, publicJwk: JWK })
  const privateKey = await importSigningKey(signingFile.privateJwk).catch((err: unknown) => {
    throw new errors.ConfigInvalidError(`key file \`${signingPath}\` does not hold an Ed25519 private JWK: ${(err as Error).message}`, { cause: err })
  })

  const apiToken = readApiToken(dataDir, options)
  return {
    peerKey,
    peerId: peerIdFromPrivateKey(peerKey).toString(),
    signing: { kid: signingFile.kid, privateKey, publicJwk: signingFile.publicJwk },
    apiToken
  }
}

/** Reads the API token of a node without loading its other keys (used by the CLI). */
export function readApiToken (dataDir: string, options: SecretOptions = {}): string {
  const path = join(dataDir, 'keys', API_TOKEN)
  const token = readSecret(path, options).toString('utf8').trim()
  if (!/^[A-Za-z0-9_-]{32,}$/.test(token)) {
    // The value is not printed: a wrong file could hold a private key.
    throw new errors.ConfigInvalidError(`\`${path}\` does not hold an API token (32 or more base64url characters); delete it and run \`nfp init --force\` to create one`)
  }
  return token
}

function readSecret (path: string, options: SecretOptions): Buffer {
  if (!existsSync(path)) {
    throw new errors.ConfigInvalidError(`key file \`${path}\` is missing; run \`nfp init\` for this node first`)
  }
  checkPrivate(path, 'key file', 0o077, 'chmod 600')
  const content = readFileSync(path)
  return isEncrypted(content) ? decryptSecret(content, options.passphrase, path) : content
}

function writeSecret (path: string, content: Buffer, options: SecretOptions): void {
  writeFileSync(path, options.passphrase === undefined ? content : encryptSecret(content, options.passphrase), { mode: 0o600 })
}

function checkPrivate (path: string, what: string, forbidden: number, fix: string): void {
  if (!existsSync(path)) {
    throw new errors.ConfigInvalidError(`${what} \`${path}\` is missing; run \`nfp init\` for this node first`)
  }
  const mode = statSync(path).mode & 0o777
  if ((mode & forbidden) !== 0) {
    throw new errors.ConfigInvalidError(`${what} \`${path}\` has mode ${mode.toString(8)}; it must be accessible by its owner only (${fix})`)
  }
}

function parseKeyFile<T> (path: string, options: SecretOptions, parse: (bytes: Buffer) => T): T {
  const bytes = readSecret(path, options)
  try {
    return parse(bytes)
  } catch (err) {
    throw new errors.ConfigInvalidError(`key file \`${path}\` is damaged and cannot be read (${(err as Error).message}); restore it from a backup`, { cause: err })
  }
}
