import { createHash, createPublicKey, verify } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import jsonld from 'jsonld'

/**
 * A verifier for eddsa-rdfc-2022 Data Integrity proofs written from the W3C "Data Integrity
 * EdDSA Cryptosuites v1.0" recommendation, sharing no code with the issuing library beyond
 * jsonld's RDFC-1.0 canonicalisation. The key comes from the did:key by hand (base58btc and
 * the 0xed01 multicodec prefix), and the signature is checked with node:crypto.
 */
// Only the W3C context file is taken from the package, read as data, not through its code.
const require = createRequire(import.meta.url)
const V2_URL = 'https://www.w3.org/ns/credentials/v2'
const v2Context = JSON.parse(readFileSync(join(dirname(require.resolve('@digitalbazaar/credentials-context')), '..', 'contexts', 'v2.jsonld'), 'utf8')) as unknown

const loader = async (url: string): Promise<{ contextUrl: null, documentUrl: string, document: unknown }> => {
  if (url === V2_URL) return { contextUrl: null, documentUrl: url, document: v2Context }
  throw new Error(`independent verifier does not load \`${url}\``)
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

function base58Decode (text: string): Uint8Array {
  let value = 0n
  for (const char of text) {
    const digit = BASE58.indexOf(char)
    if (digit < 0) throw new Error(`invalid base58 character \`${char}\``)
    value = value * 58n + BigInt(digit)
  }
  const bytes: number[] = []
  while (value > 0n) {
    bytes.unshift(Number(value % 256n))
    value /= 256n
  }
  for (const char of text) {
    if (char !== '1') break
    bytes.unshift(0)
  }
  return Uint8Array.from(bytes)
}

function publicKeyOfDidKey (verificationMethod: string): { did: string, key: ReturnType<typeof createPublicKey> } {
  const match = /^(did:key:(z[1-9A-HJ-NP-Za-km-z]+))#(z[1-9A-HJ-NP-Za-km-z]+)$/.exec(verificationMethod)
  if (match === null || match[2] !== match[3]) throw new Error(`not a did:key verification method: ${verificationMethod}`)
  const bytes = base58Decode(match[2]!.slice(1))
  if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) throw new Error('did:key is not an Ed25519 public key')
  const x = Buffer.from(bytes.subarray(2)).toString('base64url')
  return { did: match[1]!, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }) }
}

/** Returns the reason a credential fails, or undefined when its proof verifies. */
export async function verifyIndependently (credential: Record<string, unknown>): Promise<string | undefined> {
  const { proof, ...document } = credential as { proof?: Record<string, unknown>, issuer?: unknown }
  if (proof === undefined) return 'no proof'
  if (proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== 'eddsa-rdfc-2022') return 'not an eddsa-rdfc-2022 proof'
  if (proof.proofPurpose !== 'assertionMethod') return 'proof purpose is not assertionMethod'
  const { proofValue, ...proofOptions } = proof
  if (typeof proofValue !== 'string' || !proofValue.startsWith('z')) return 'proofValue is not base58btc multibase'

  const { did, key } = publicKeyOfDidKey(String(proofOptions.verificationMethod))
  if (did !== document.issuer) return 'proof is not made by the issuer'

  const proofConfig = { ...proofOptions, '@context': (document as { '@context': unknown })['@context'] }
  const canonicalProof = await jsonld.canonize(proofConfig, { algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader: loader, safe: true })
  const canonicalDocument = await jsonld.canonize(document, { algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader: loader, safe: true })
  const hashData = Buffer.concat([
    createHash('sha256').update(canonicalProof).digest(),
    createHash('sha256').update(canonicalDocument).digest()
  ])
  return verify(null, hashData, key, base58Decode(proofValue.slice(1))) ? undefined : 'signature does not verify'
}
