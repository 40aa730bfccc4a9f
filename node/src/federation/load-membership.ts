import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { errors, trustAnchorOf, validateMembership, verifyMembership } from '@ceasefire/protocol'
import type { Membership, SignedMembership, TrustAnchor } from '@ceasefire/protocol'
import type { NodeConfig } from '../config.ts'

/** The membership a node starts with; `signed` and `anchor` are absent for an unsigned version 1 file. */
export interface LoadedMembership {
  membership: Membership
  signed?: SignedMembership
  anchor?: TrustAnchor
}

/** File in the data folder that keeps the newest signed membership accepted from peers or the API. */
export const ACCEPTED_MEMBERSHIP_FILE = 'membership.signed.json'

/**
 * Loads the membership at start. Without `membershipAuthority` in node.json the federation
 * file is the unsigned version 1 format. With it, the federation file and the last version
 * accepted at run time must both be signed by the authority, and the newer of the two wins, so
 * a restart never falls back to an older membership.
 */
export async function loadMembership (config: NodeConfig): Promise<LoadedMembership> {
  const document = readJson(config.federationFile, 'federation file')
  if (config.membershipAuthority === undefined) {
    if (isSigned(document)) {
      throw new errors.MembershipInvalidError(`federation file \`${config.federationFile}\` is signed, but ${config.configPath} has no \`membershipAuthority\` to verify it with. Add \`membershipAuthority\` with the authority's public key (the .pub.jwk from \`nfp federation keygen\`) to ${config.configPath}, or create the node with \`nfp init --authority-key\``)
    }
    return { membership: await validateMembership(document, `federation file \`${config.federationFile}\``) }
  }
  if (!isSigned(document)) {
    throw new errors.MembershipUntrustedError(`federation file \`${config.federationFile}\` is not signed, and ${config.configPath} accepts only versions signed by the federation authority. Sign it with \`nfp federation sign --key authority.jwk --file ${config.federationFile}\``)
  }

  const anchor = await trustAnchorOf(config.membershipAuthority.jwk)
  if (config.membershipAuthority.kid !== undefined && config.membershipAuthority.kid !== anchor.kid) {
    throw new errors.ConfigInvalidError(`membershipAuthority.kid \`${config.membershipAuthority.kid}\` in ${config.configPath} is not the thumbprint of its jwk (\`${anchor.kid}\`)`)
  }
  const fromFile = await verifyAt(document, anchor, config.federationFile)
  let best: SignedMembership = { membership: fromFile, signature: (document as SignedMembership).signature }

  const acceptedPath = join(config.dataDir, ACCEPTED_MEMBERSHIP_FILE)
  if (existsSync(acceptedPath)) {
    const accepted = readJson(acceptedPath, 'accepted membership')
    const membership = await verifyAt(accepted, anchor, acceptedPath)
    if (membership.federation === fromFile.federation && membership.version > fromFile.version) {
      best = { membership, signature: (accepted as SignedMembership).signature }
    }
  }
  return { membership: best.membership, signed: best, anchor }
}

/** Writes an accepted signed membership to the data folder; the rename makes the write atomic. */
export function saveAcceptedMembership (dataDir: string, signed: SignedMembership): void {
  const path = join(dataDir, ACCEPTED_MEMBERSHIP_FILE)
  writeFileSync(path + '.tmp', JSON.stringify(signed, null, 2) + '\n', { mode: 0o644 })
  renameSync(path + '.tmp', path)
}

/** Returns whether a document is signed (`{ membership, signature }`) rather than a bare membership. */
function isSigned (document: unknown): boolean {
  return document !== null && typeof document === 'object' && 'membership' in document && 'signature' in document
}

async function verifyAt (document: unknown, anchor: TrustAnchor, path: string): Promise<Membership> {
  try {
    return await verifyMembership(document, anchor)
  } catch (err) {
    if (err instanceof errors.MembershipUntrustedError) {
      throw new errors.MembershipUntrustedError(`\`${path}\`: ${err.message}`, { cause: err })
    }
    throw err
  }
}

function readJson (path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new errors.MembershipInvalidError(`cannot read ${what} \`${path}\`: ${(err as Error).message}`, { cause: err })
  }
}
