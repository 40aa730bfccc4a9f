import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { errors, generateSigningKey, importSigningKey } from '@ceasefire/protocol'
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

/** Creates the key folder with fresh keys; existing files are kept, so running it twice is safe. */
export async function createIdentity (dataDir: string): Promise<NodeIdentity> {
  const dir = join(dataDir, 'keys')
  mkdirSync(dir, { recursive: true, mode: 0o700 })

  const peerPath = join(dir, PEER_KEY)
  if (!existsSync(peerPath)) {
    const key = await generateKeyPair('Ed25519')
    writeFileSync(peerPath, privateKeyToProtobuf(key), { mode: 0o600 })
  }

  const signingPath = join(dir, SIGNING_KEY)
  if (!existsSync(signingPath)) {
    const pair: SigningKeyPair = await generateSigningKey()
    writeFileSync(signingPath, JSON.stringify({ kid: pair.kid, privateJwk: pair.privateJwk, publicJwk: pair.publicJwk }, null, 2) + '\n', { mode: 0o600 })
  }

  const tokenPath = join(dir, API_TOKEN)
  if (!existsSync(tokenPath)) writeFileSync(tokenPath, randomBytes(32).toString('base64url') + '\n', { mode: 0o600 })

  return await loadIdentity(dataDir)
}

/**
 * Loads the node's keys. Refuses key files that others can read, because a leaked signing key
 * lets anyone speak for this jurisdiction.
 */
export async function loadIdentity (dataDir: string): Promise<NodeIdentity> {
  const dir = join(dataDir, 'keys')
  const peerKey = privateKeyFromProtobuf(readSecret(join(dir, PEER_KEY)))
  const signingFile = JSON.parse(readSecret(join(dir, SIGNING_KEY)).toString('utf8')) as { kid: string, privateJwk: JWK, publicJwk: JWK }
  const apiToken = readSecret(join(dir, API_TOKEN)).toString('utf8').trim()
  return {
    peerKey,
    peerId: peerIdFromPrivateKey(peerKey).toString(),
    signing: { kid: signingFile.kid, privateKey: await importSigningKey(signingFile.privateJwk), publicJwk: signingFile.publicJwk },
    apiToken
  }
}

/** Reads the API token of a node without loading its other keys (used by the CLI). */
export function readApiToken (dataDir: string): string {
  return readSecret(join(dataDir, 'keys', API_TOKEN)).toString('utf8').trim()
}

function readSecret (path: string): Buffer {
  if (!existsSync(path)) {
    throw new errors.ConfigInvalidError(`key file \`${path}\` is missing; run \`nfp init\` for this node first`)
  }
  const mode = statSync(path).mode & 0o777
  if ((mode & 0o077) !== 0) {
    throw new errors.ConfigInvalidError(`key file \`${path}\` has mode ${mode.toString(8)}; it must be readable by its owner only (chmod 600)`)
  }
  return readFileSync(path)
}
