import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { NfpError, errors, generateSigningKey, importSigningKey, keyIdOf, signMembership, validateMembership } from '@ceasefire/protocol'
import type { Member, Membership, SignedMembership } from '@ceasefire/protocol'
import type { JWK } from 'jose'
import { addMember, createMembership, removeMember, revokeKey, rotateKey } from '../federation/authority.ts'
import { issueMembershipCredential } from '../federation/credential.ts'
import type { Command } from './args.ts'
import { UsageError, formatHelp } from './args.ts'

type Values = Record<string, string | boolean | string[] | undefined>

const USAGE = [
  'nfp federation keygen --out authority.jwk [--name "NAME"]',
  'nfp federation create --name "FEDERATION" [--file federation.json] [--sign-with authority.jwk]',
  'nfp federation add-member --member member.json [--file F] [--sign-with K]',
  'nfp federation remove-member JURISDICTION [--file F] [--sign-with K]',
  'nfp federation rotate-key JURISDICTION --key new.pub.jwk [--valid-from T] [--file F] [--sign-with K]',
  'nfp federation revoke-key JURISDICTION KID --at T [--file F] [--sign-with K]',
  'nfp federation sign --key authority.jwk [--file F]',
  'nfp federation credential JURISDICTION --key authority.jwk [--file F] [--out vc.json]'
].join('\n       ')

const OPTIONS = {
  file: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  member: { type: 'string' },
  key: { type: 'string' },
  'sign-with': { type: 'string' },
  'valid-from': { type: 'string' },
  at: { type: 'string' }
} as const

/**
 * The federation authority's tool. Every change writes the next version of the membership
 * document to `--file`; with `--sign-with` it is signed at once, otherwise its signature is
 * removed and `sign` must follow before nodes accept it.
 */
export const federationCommand: Command & { main: (argv: string[]) => Promise<number> } = {
  name: 'federation',
  summary: 'run the federation authority: membership versions, keys and credentials',
  usage: USAGE,
  options: { ...OPTIONS },
  help: {
    file: 'Membership document to read and write (default federation.json).',
    out: 'keygen: private key file (mode 600; the public key goes to .pub.jwk). credential: output file (default: standard output).',
    name: 'create: federation name. keygen: name of the authority.',
    member: 'add-member: the member.json that `nfp init` wrote for the node, or the member entry that `nfp-conformance keygen` printed.',
    key: 'rotate-key: the new public record-signing JWK. sign, credential: the authority private key.',
    'sign-with': 'Authority private key; signs the new version at once.',
    'valid-from': 'rotate-key: date-time from which the new key signs (default: now).',
    at: 'revoke-key: date-time from which the key is revoked (required).'
  },
  run: async () => {
    console.error(`nfp federation: a subcommand is required\nUsage: ${USAGE}`)
    return 2
  },
  main: async (argv) => {
    try {
      return await runSubcommand(argv)
    } catch (error) {
      if (error instanceof UsageError || error instanceof TypeError) {
        console.error(`nfp federation: ${error.message}\nUsage: ${USAGE}`)
        return 2
      }
      if (error instanceof NfpError) {
        console.error(`nfp federation: ${error.code}: ${error.message}`)
        return 1
      }
      throw error
    }
  }
}

async function runSubcommand (argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { ...OPTIONS, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed as { values: Values, positionals: string[] }
  if (values.help === true) {
    console.log(formatHelp(federationCommand))
    return 0
  }
  const [name, ...args] = positionals
  const file = typeof values.file === 'string' ? values.file : 'federation.json'

  switch (name) {
    case 'keygen': return await keygen(values)
    case 'create': return await write(file, await createMembership(required(values, 'name')), values)
    case 'add-member': {
      const document = await readDocument(file)
      return await write(file, await addMember(document, await readMemberEntry(required(values, 'member'))), values)
    }
    case 'remove-member': return await write(file, await removeMember(await readDocument(file), positional(args, 0, 'JURISDICTION')), values)
    case 'rotate-key': {
      const jwk = readJson(required(values, 'key')) as JWK
      if (jwk.d !== undefined) throw new UsageError('--key must be the public JWK of the new key; never hand a private key to the authority')
      return await write(file, await rotateKey(await readDocument(file), positional(args, 0, 'JURISDICTION'), jwk, dateOption(values, 'valid-from') ?? new Date()), values)
    }
    case 'revoke-key': {
      const at = dateOption(values, 'at')
      if (at === undefined) throw new UsageError('option --at is required')
      return await write(file, await revokeKey(await readDocument(file), positional(args, 0, 'JURISDICTION'), positional(args, 1, 'KID'), at), values)
    }
    case 'sign': return await write(file, await readDocument(file), { 'sign-with': required(values, 'key') })
    case 'credential': return await credential(file, positional(args, 0, 'JURISDICTION'), values)
    default: throw new UsageError(name === undefined ? 'a subcommand is required' : `unknown subcommand \`${name}\``)
  }
}

async function keygen (values: Values): Promise<number> {
  const out = required(values, 'out')
  if (existsSync(out)) throw new UsageError(`${out} exists; the authority key is never overwritten`)
  const pair = await generateSigningKey()
  const label = typeof values.name === 'string' ? { name: values.name } : {}
  writeFileSync(out, JSON.stringify({ ...pair.privateJwk, ...label }, null, 2) + '\n', { mode: 0o600 })
  chmodSync(out, 0o600)
  const publicPath = out.replace(/\.jwk$/, '') + '.pub.jwk'
  writeFileSync(publicPath, JSON.stringify({ ...pair.publicJwk, ...label }, null, 2) + '\n')
  console.log(`Wrote the authority private key to ${out} (mode 600) and the public key to ${publicPath}; give nodes the public key (\`nfp init --authority-key ${publicPath}\`, or membershipAuthority in node.json), kid ${pair.kid}`)
  return 0
}

async function write (file: string, membership: Membership, values: Values): Promise<number> {
  const keyFile = values['sign-with']
  let document: SignedMembership | Membership
  if (typeof keyFile === 'string') {
    const jwk = readPrivateKey(keyFile)
    document = await signMembership(membership, { privateKey: await importSigningKey(jwk), kid: await signingKeyId(jwk, keyFile) })
  } else {
    // A node without `membershipAuthority` reads the bare membership document, so the unsigned
    // form is written without the `{ membership }` wrapper that a signature needs.
    document = membership
  }
  writeFileSync(file, JSON.stringify(document, null, 2) + '\n')
  const count = membership.members.length === 1 ? '1 member' : `${membership.members.length} members`
  console.log(`Wrote membership version ${membership.version} (${count}, ${typeof keyFile === 'string' ? 'signed' : 'NOT signed; run `nfp federation sign`'}) to ${file}`)
  return 0
}

async function credential (file: string, jurisdiction: string, values: Values): Promise<number> {
  const membership = await readDocument(file)
  const member = membership.members.find(m => m.jurisdiction === jurisdiction)
  if (member === undefined) throw new UsageError(`${jurisdiction} is not a member in ${file}`)
  const vc = await issueMembershipCredential({ member, federation: membership.federation, version: membership.version, authorityJwk: readPrivateKey(required(values, 'key')) })
  const text = JSON.stringify(vc, null, 2) + '\n'
  if (typeof values.out === 'string') writeFileSync(values.out, text)
  else process.stdout.write(text)
  return 0
}

/**
 * Reads one member entry: the member.json of `nfp init` or the entry that
 * `nfp-conformance keygen` prints. It is checked against the membership schema before it is
 * added, so a wrong file fails with ERR_MEMBERSHIP_INVALID and not deep in the update.
 */
async function readMemberEntry (file: string): Promise<Member> {
  const entry = readJson(file) as { type?: unknown }
  if (entry !== null && typeof entry === 'object' && entry.type === 'nfp-conformance-member-key') {
    throw new errors.MembershipInvalidError(`${file} is the test member's private key file from \`nfp-conformance keygen\`, which stays with the tester. Pass the member entry that keygen printed when it wrote this file. keygen never overwrites a key file, so if the entry is lost, make a new key file and save the entry this time: \`nfp-conformance keygen --out NEW_FILE > member-entry.json\``)
  }
  const probe = { federation: 'member entry check', version: 1, members: [entry] }
  try {
    await validateMembership(probe, `member entry ${file}`)
  } catch (error) {
    if (!(error instanceof errors.MembershipInvalidError)) throw error
    // The entry is /members/0 of the probe document, so the message is rewritten to name paths inside the entry.
    const message = error.message.replace('`/members/0`', '`(entry)`').replace('/members/0/', '/')
    throw new errors.MembershipInvalidError(`${message}; pass the member.json that \`nfp init\` wrote or the entry that \`nfp-conformance keygen\` printed`, { cause: error })
  }
  return entry as unknown as Member
}

/**
 * Checks and returns the `kid` of the authority key. Nodes compare it with the thumbprint of
 * the public key in their node.json, so a missing or different `kid` would make every node
 * reject the signed version.
 */
async function signingKeyId (jwk: JWK, file: string): Promise<string> {
  const thumbprint = await keyIdOf(jwk)
  if (typeof jwk.kid !== 'string' || jwk.kid === '') {
    throw new UsageError(`${file} has no \`kid\`, and nodes reject a membership signed without the key id they trust. Add "kid": "${thumbprint}" (the RFC 7638 thumbprint of the key) to ${file}, or make a new key with \`nfp federation keygen\``)
  }
  if (jwk.kid !== thumbprint) {
    throw new UsageError(`the \`kid\` ${jwk.kid} in ${file} is not the RFC 7638 thumbprint of the key. Nodes trust only the thumbprint, so set "kid": "${thumbprint}" in ${file}`)
  }
  return jwk.kid
}

/** Reads a membership document, signed or not, and validates it. */
async function readDocument (file: string): Promise<Membership> {
  const value = readJson(file) as { membership?: unknown }
  return await validateMembership(value.membership ?? value, file)
}

function readPrivateKey (file: string): JWK {
  const jwk = readJson(file) as JWK
  if (jwk.d === undefined || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new UsageError(`${file} must hold the authority's private Ed25519 JWK from \`nfp federation keygen\``)
  return jwk
}

function readJson (file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`)
  }
}

function required (values: Values, name: string): string {
  const value = values[name]
  if (typeof value !== 'string' || value === '') throw new UsageError(`option --${name} is required`)
  return value
}

function positional (args: string[], index: number, name: string): string {
  const value = args[index]
  if (value === undefined) throw new UsageError(`argument ${name} is missing`)
  return value
}

function dateOption (values: Values, name: string): Date | undefined {
  const value = values[name]
  if (value === undefined) return undefined
  const date = new Date(String(value))
  if (Number.isNaN(date.getTime())) throw new UsageError(`--${name} must be a date-time such as 2026-12-04T10:00:00Z, got ${String(value)}`)
  return date
}
