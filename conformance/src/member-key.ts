import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateSigningKey, importSigningKey } from '@ceasefire/protocol'
import type { JWK } from 'jose'
import type { Member, SigningKey } from '@ceasefire/protocol'

/**
 * The keys the suite uses to join a federation as a test member: a libp2p peer key and a
 * record-signing key. The federation authority lists the public halves in the membership file.
 */
export interface TestMember {
  jurisdiction: string
  peerKey: PrivateKey
  peerId: string
  signing: { kid: string, privateKey: SigningKey, privateJwk: JWK, publicJwk: JWK }
}

interface MemberKeyFile {
  type: 'nfp-conformance-member-key'
  jurisdiction: string
  /** base64 of the libp2p protobuf encoding of the Ed25519 peer key. */
  peerKey: string
  signing: { kid: string, privateJwk: JWK, publicJwk: JWK }
}

/** Creates a new test member key file (mode 600) and returns the member entry the authority must add. */
export async function createMemberKey (path: string, jurisdiction: string): Promise<{ member: TestMember, entry: Member }> {
  const peerKey = await generateKeyPair('Ed25519')
  const pair = await generateSigningKey()
  const file: MemberKeyFile = {
    type: 'nfp-conformance-member-key',
    jurisdiction,
    peerKey: Buffer.from(privateKeyToProtobuf(peerKey)).toString('base64'),
    signing: { kid: pair.kid, privateJwk: pair.privateJwk, publicJwk: pair.publicJwk }
  }
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  chmodSync(path, 0o600)
  const member = await loadMemberKey(path)
  return { member, entry: memberEntry(member, []) }
}

/** Reads a test member key file written by `nfp-conformance keygen`. */
export async function loadMemberKey (path: string): Promise<TestMember> {
  let file: MemberKeyFile
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as MemberKeyFile
  } catch (err) {
    throw new Error(`cannot read test member key file ${path}: ${(err as Error).message}; create one with \`nfp-conformance keygen\``)
  }
  if (file.type !== 'nfp-conformance-member-key' || typeof file.peerKey !== 'string' || file.signing?.privateJwk === undefined) {
    throw new Error(`${path} is not a test member key file; create one with \`nfp-conformance keygen\``)
  }
  const peerKey = privateKeyFromProtobuf(Buffer.from(file.peerKey, 'base64'))
  return {
    jurisdiction: file.jurisdiction,
    peerKey,
    peerId: peerIdFromPrivateKey(peerKey).toString(),
    signing: { kid: file.signing.kid, privateKey: await importSigningKey(file.signing.privateJwk), privateJwk: file.signing.privateJwk, publicJwk: file.signing.publicJwk }
  }
}

/** The membership entry for a test member, as the federation authority adds it. */
export function memberEntry (member: TestMember, addresses: string[]): Member {
  return {
    jurisdiction: member.jurisdiction,
    name: `Conformance test member ${member.jurisdiction}`,
    peerId: member.peerId,
    addresses,
    signingKeys: [{ kid: member.signing.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: member.signing.publicJwk.x as string } }]
  } as Member
}
