import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { CompactSign, base64url, calculateJwkThumbprint, flattenedVerify, importJWK } from 'jose'
import type { JWK } from 'jose'
import { canonicalBytes, errors } from '@ceasefire/protocol'
import type { PolicyModule } from './policy/index.ts'

/** Keys of the legal officers whose signature makes a policy module loadable on this node. */
export interface PolicyTrust {
  keys: Array<{ kid: string, jwk: JWK, name?: string }>
  /** Development only: load modules without a trusted signature, with a warning. */
  allowUnsigned?: boolean
}

/** Signer of one module file of a loaded chain; `signedBy` is absent for an unsigned file. */
export interface ModuleSignature {
  jurisdiction: string
  file: string
  signedBy?: { kid: string, name?: string }
}

const SIGNATURE_FILE = 'module.sig'
const POLICY_TYP = 'nfp-policy+jws'

/**
 * Signs a module file as a legal officer: a detached JWS over the RFC 8785 canonical form of
 * the file's JSON, written beside it as `module.sig`. Reformatting the file keeps the signature
 * valid; changing any value breaks it.
 */
export async function signModuleFile (moduleFile: string, officer: { privateJwk: JWK, name?: string }): Promise<{ kid: string, signatureFile: string }> {
  const { d: _d, ...publicJwk } = officer.privateJwk
  const kid = await calculateJwkThumbprint({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x } as JWK)
  const key = await importJWK(officer.privateJwk, 'EdDSA')
  const content = canonicalBytes(JSON.parse(readFileSync(moduleFile, 'utf8')))
  const jws = await new CompactSign(content)
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: POLICY_TYP, ...(officer.name === undefined ? {} : { signer: officer.name }) })
    .sign(key)
  const [header, , signature] = jws.split('.')
  const signatureFile = join(dirname(moduleFile), SIGNATURE_FILE)
  writeFileSync(signatureFile, `${header as string}..${signature as string}\n`)
  return { kid, signatureFile }
}

/**
 * Checks the signature of every file of a loaded module chain against the trusted keys.
 *
 * @throws PolicyInvalidError naming the first module that is unsigned, signed by an untrusted
 *   key, or changed since it was signed, unless `allowUnsigned` is set.
 */
export async function verifyModuleChain (module: PolicyModule, trust: PolicyTrust): Promise<ModuleSignature[]> {
  const out: ModuleSignature[] = []
  for (let current: PolicyModule | undefined = module; current !== undefined; current = current.base) {
    const signedBy = await verifyFile(current, trust)
    out.push({ jurisdiction: current.jurisdiction, file: current.file, ...(signedBy === undefined ? {} : { signedBy }) })
  }
  return out
}

async function verifyFile (module: PolicyModule, trust: PolicyTrust): Promise<{ kid: string, name?: string } | undefined> {
  const signatureFile = join(dirname(module.file), SIGNATURE_FILE)
  const refuse = (why: string): undefined => {
    if (trust.allowUnsigned === true) return undefined
    throw new errors.PolicyInvalidError(`${module.file}: ${why}; a legal officer must sign it with \`nfp policy sign\`, and node.json \`policyTrust.keys\` must list the officer's public key`)
  }
  if (!existsSync(signatureFile)) return refuse('module is not signed (no module.sig beside it)')

  const [header, empty, signature] = readFileSync(signatureFile, 'utf8').trim().split('.')
  if (header === undefined || empty !== '' || signature === undefined) return refuse('module.sig is not a detached compact JWS')
  let kid: unknown
  try {
    kid = (JSON.parse(new TextDecoder().decode(base64url.decode(header))) as Record<string, unknown>).kid
  } catch {
    return refuse('module.sig header is not base64url JSON')
  }
  const trusted = trust.keys.find(k => k.kid === kid)
  if (trusted === undefined) return refuse(`module is signed by key \`${String(kid)}\`, which this node does not trust`)
  if (await calculateJwkThumbprint({ kty: trusted.jwk.kty, crv: trusted.jwk.crv, x: trusted.jwk.x } as JWK) !== trusted.kid) {
    return refuse(`trusted key \`${trusted.kid}\` in node.json is not the RFC 7638 thumbprint of its JWK`)
  }

  const content = canonicalBytes(JSON.parse(readFileSync(module.file, 'utf8')))
  try {
    const result = await flattenedVerify({ protected: header, payload: base64url.encode(content), signature }, await importJWK(trusted.jwk, 'EdDSA'), { algorithms: ['EdDSA'] })
    if (result.protectedHeader?.typ !== POLICY_TYP) return refuse(`module.sig has type ${String(result.protectedHeader?.typ)}`)
  } catch {
    return refuse('module was changed after it was signed (signature does not verify)')
  }
  return { kid: trusted.kid, ...(trusted.name === undefined ? {} : { name: trusted.name }) }
}
