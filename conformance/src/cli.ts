import { readFileSync } from 'node:fs'
import type { JWK } from 'jose'
import { parseArgs } from 'node:util'
import { createMemberKey, loadMemberKey, memberEntry } from './member-key.ts'
import { SUITE_VERSION, SetupError, runConformance } from './run.ts'
import { IDENTIFIER_TYPES } from '@ceasefire/protocol'
import type { IdentifierType } from '@ceasefire/protocol'

const HELP = `nfp-conformance ${SUITE_VERSION}: checks a Ceasefire NFP node against SPEC.md

Usage:
  nfp-conformance --peer MULTIADDR --api URL --member-key FILE [options]
  nfp-conformance keygen --out FILE [--jurisdiction XC] [--address MULTIADDR]

Run options:
  --peer MULTIADDR     libp2p address of the node under test, ending in /p2p/<peer id>
  --api URL            base URL of the node's HTTP API
  --api-token FILE     file holding the API bearer token (the reference node keeps it in
                       <dataDir>/keys/api-token); or set NFP_API_TOKEN
  --member-key FILE    the test member's key file from \`nfp-conformance keygen\`
  --listen MULTIADDR   where the test member listens for the node's deliveries
                       (default /ip4/127.0.0.1/tcp/0); give it again for more addresses
  --out DIR            write results.json and report.md into DIR
  --authority-key FILE the federation authority's private JWK (from \`nfp federation keygen\`);
                       only for a test federation: the suite then signs and offers the node a
                       newer membership version with the same members
  --hit-forbidden-type TYPE
                       an identifier type (such as vin) the node's hitQueries policy forbids
                       the test member to query; without it that test is reported not applicable
  --only PREFIX        run only tests whose id starts with PREFIX (repeatable), e.g. SIG-5 (sections 5 and 5.2)
  --help, -h           print this help and exit

keygen writes the test member's private keys to --out and prints its member entry (JSON) to
standard output. Save the entry and give it to the federation authority, which adds it with
\`nfp federation add-member --member FILE\`. The key file itself stays with you.

keygen options:
  --out FILE           where to write the new key file (mode 600; an existing file is kept)
  --jurisdiction CODE  two-letter code the test member speaks for (default XC)
  --address MULTIADDR  listen address to put in the membership entry (repeatable)

Exit status: 0 when every test passed or did not apply, 1 when a test failed, 2 when the suite
could not run (bad arguments, node unreachable, test member not in the membership).
`

async function main (argv: string[]): Promise<number> {
  if (argv[0] === 'keygen') return await keygen(argv.slice(1))
  const { values } = parseArgs({
    args: argv,
    options: {
      peer: { type: 'string' },
      api: { type: 'string' },
      'api-token': { type: 'string' },
      'authority-key': { type: 'string' },
      'member-key': { type: 'string', multiple: true },
      listen: { type: 'string', multiple: true },
      out: { type: 'string' },
      only: { type: 'string', multiple: true },
      'hit-forbidden-type': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  })
  if (values.help === true) {
    process.stdout.write(HELP)
    return 0
  }
  if (values.peer === undefined || values.api === undefined || values['member-key'] === undefined) {
    throw new UsageError('--peer, --api and --member-key are required')
  }
  // NOTE: the suite acts as one test member; a second key file is for tests of relays, which are not written yet.
  if (values['member-key'].length > 1) throw new UsageError('give --member-key once; this version of the suite joins as one test member')
  const token = values['api-token'] !== undefined ? readFileSync(values['api-token'], 'utf8').trim() : process.env.NFP_API_TOKEN
  const forbidden = values['hit-forbidden-type']
  if (forbidden !== undefined && !(IDENTIFIER_TYPES as readonly string[]).includes(forbidden)) {
    throw new UsageError(`--hit-forbidden-type ${forbidden} is not an identifier type; use one of ${IDENTIFIER_TYPES.join(', ')}`)
  }
  const member = await loadMemberKey(values['member-key'][0] as string)
  const summary = await runConformance({
    peer: values.peer,
    api: values.api,
    ...(token === undefined ? {} : { apiToken: token }),
    member,
    ...(values.listen === undefined ? {} : { listen: values.listen }),
    ...(values.out === undefined ? {} : { out: values.out }),
    ...(values.only === undefined ? {} : { only: values.only }),
    ...(forbidden === undefined ? {} : { hitForbiddenType: forbidden as IdentifierType }),
    ...(values['authority-key'] === undefined ? {} : { authorityJwk: readJwk(values['authority-key']) }),
    tap: process.stdout
  })
  if (summary.files !== undefined) process.stderr.write(`results: ${summary.files.json}\nreport:  ${summary.files.report}\n`)
  return summary.counts.fail === 0 ? 0 : 1
}

async function keygen (argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, jurisdiction: { type: 'string', default: 'XC' }, address: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    strict: true
  })
  if (values.help === true) {
    process.stdout.write(HELP)
    return 0
  }
  if (values.out === undefined) throw new UsageError('keygen needs --out FILE')
  if (!/^[A-Z]{2}$/.test(values.jurisdiction)) throw new UsageError(`--jurisdiction must be two upper-case letters, got ${values.jurisdiction}`)
  const { member } = await createMemberKey(values.out, values.jurisdiction).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EEXIST') throw new UsageError(`${values.out} exists; the suite never overwrites a key file`)
    throw err
  })
  const entry = memberEntry(member, (values.address ?? []).map(a => a.includes('/p2p/') ? a : `${a}/p2p/${member.peerId}`))
  process.stderr.write(`Wrote the test member's private keys to ${values.out} (mode 600). Keep the file to yourself.\n` +
    'Ask the federation authority to add this member entry to the membership document of the federation under test,\n' +
    'sign the new version and give it to the node under test (the reference node takes it at PUT /membership):\n\n')
  process.stdout.write(JSON.stringify(entry, null, 2) + '\n')
  return 0
}

class UsageError extends Error {}

function readJwk (path: string): JWK {
  let jwk: JWK
  try {
    jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK
  } catch (err) {
    throw new UsageError(`cannot read --authority-key ${path}: ${(err as Error).message}`)
  }
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') throw new UsageError(`--authority-key ${path} must be a private Ed25519 JWK`)
  return jwk
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (err) {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
    process.stderr.write(`nfp-conformance: ${(err as Error).message}\nRun nfp-conformance --help for usage.\n`)
  } else if (err instanceof SetupError) {
    process.stderr.write(`nfp-conformance: cannot start: ${err.message}\n`)
  } else {
    process.stderr.write(`nfp-conformance: ${(err as Error).stack ?? String(err)}\n`)
  }
  process.exitCode = 2
}
