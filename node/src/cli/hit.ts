import { NfpError } from '@ceasefire/protocol'
import type { HitRecord, QueryResult } from '../hits/types.ts'
import type { Command } from './args.ts'
import { UsageError, formatHelp, parseCommandArgs, requireString } from './args.ts'
import { ACTOR_HELP, needActor } from './actor.ts'
import { connectApi } from './connect.ts'


const CONNECTION = {
  options: { config: { type: 'string' }, api: { type: 'string' }, 'token-file': { type: 'string' }, json: { type: 'boolean' } },
  help: {
    config: 'Node configuration file; gives the API address and token (or use --api and --token-file).',
    api: 'Base URL of the node API, e.g. http://127.0.0.1:7101.',
    'token-file': 'File holding the node API token.',
    json: 'Print the API response as JSON instead of text.'
  }
} as const

/** Identifier options of `nfp hit query`, by the field of the identifier they fill. */
const IDENTIFIER_OPTIONS: Record<string, string> = {
  serial: 'serialNumber', make: 'make', address: 'address', chain: 'chain', handle: 'handle', platform: 'platform',
  vin: 'vin', plate: 'plate', country: 'country', 'family-name': 'familyName', 'given-names': 'givenNames', 'birth-date': 'birthDate'
}

const queryCommand: Command = {
  name: 'hit query',
  summary: 'ask every other member whether it holds an identifier, without revealing it',
  usage: 'nfp hit query --config ./de/node.json --type firearm-serial --serial "ABC 123" --make Glock --actor NAME [--peers NL,SE] [--timeout 5000]',
  options: {
    ...CONNECTION.options,
    type: { type: 'string' },
    ...Object.fromEntries(Object.keys(IDENTIFIER_OPTIONS).map(name => [name, { type: 'string' as const }])),
    peers: { type: 'string' },
    timeout: { type: 'string' },
    actor: { type: 'string' }
  },
  help: {
    ...CONNECTION.help,
    serial: 'Serial number (firearm-serial).',
    make: 'Maker of the firearm (firearm-serial).',
    address: 'Wallet address (wallet-address).',
    chain: 'Chain of the wallet: bitcoin or ethereum (wallet-address).',
    handle: 'Handle of an online identity (online-handle).',
    platform: 'Platform of the handle, such as agora or telegram (online-handle).',
    vin: 'Vehicle identification number (vin).',
    plate: 'Registration plate (plate).',
    country: 'Registration country of the plate, ISO 3166-1 alpha-2 (plate).',
    'family-name': 'Family name (person).',
    'given-names': 'Given names (person).',
    'birth-date': 'Date of birth, YYYY-MM-DD (person).',
    type: 'Identifier type: firearm-serial (--serial, --make), wallet-address (--address, --chain), online-handle (--handle, --platform), vin (--vin), plate (--plate, --country) or person (--family-name, --given-names, --birth-date YYYY-MM-DD).',
    peers: 'Comma-separated jurisdictions to ask; every other member by default.',
    timeout: 'Time limit for the whole query in milliseconds; peers that miss it are reported as unanswered.',
    actor: ACTOR_HELP
  },
  run: async (values) => {
    const type = requireString(values, 'type')
    const identifier: Record<string, string> = { type }
    for (const [option, field] of Object.entries(IDENTIFIER_OPTIONS)) {
      if (typeof values[option] === 'string') identifier[field] = values[option]
    }
    const timeout = values.timeout === undefined ? undefined : Number(values.timeout)
    if (timeout !== undefined && !Number.isInteger(timeout)) throw new UsageError('--timeout must be a whole number of milliseconds')
    const body = {
      identifier,
      ...(typeof values.peers === 'string' ? { peers: values.peers.split(',').map(peer => peer.trim().toUpperCase()) } : {}),
      ...(timeout === undefined ? {} : { timeoutMs: timeout }),
      actor: needActor(values)
    }
    const result = await connectApi(values).request<QueryResult>('POST', '/hits/queries', body)
    if (values.json === true) {
      console.log(JSON.stringify(result, null, 2))
    } else {
      console.log(`query ${result.queryId} (${result.identifierType}), ${result.durationMs} ms:`)
      for (const peer of result.results) {
        const detail = peer.hit !== undefined
          ? `hit ${peer.hit.hitId}: ${peer.hit.matches.map(match => `${match.reference} (${match.jurisdiction})`).join(', ')}; follow up by ${peer.hit.followUpBy}`
          : peer.code === undefined ? '' : `${peer.code}: ${peer.message ?? ''}`
        console.log(`  ${peer.jurisdiction}  ${peer.status.padEnd(10)} ${detail}`.trimEnd())
      }
    }
    return 0
  }
}

const listCommand: Command = {
  name: 'hit list',
  summary: 'list the hits this node reported and received, with their follow-up period',
  usage: 'nfp hit list --config ./de/node.json',
  options: { ...CONNECTION.options },
  help: { ...CONNECTION.help },
  run: async (values) => {
    const hits = await connectApi(values).request<Array<HitRecord & { overdue: boolean }>>('GET', '/hits')
    if (values.json === true) {
      console.log(JSON.stringify(hits, null, 2))
      return 0
    }
    for (const hit of hits) {
      let state = `follow up by ${hit.followUpBy}`
      if (hit.overdue) state = 'OVERDUE'
      if (hit.requestId !== undefined) state = `followed up by request ${hit.requestId}`
      console.log(`${hit.hitId}  ${hit.direction === 'outgoing' ? 'from' : 'to  '} ${hit.peer}  ${hit.identifierType}  ${hit.matches.length} record(s)  ${state}`)
    }
    if (hits.length === 0) console.log('no hits')
    return 0
  }
}

const requestCommand: Command = {
  name: 'hit request',
  summary: 'turn a hit into a request for information to the member that reported it',
  usage: 'nfp hit request --config ./de/node.json --id HIT_ID --purpose "…" --facts "…" --offence "…" --use-restrictions "…" --europol-reason "…" --actor NAME [--urgent --ground PUBLIC_SECURITY_THREAT --reasons "…"] [--europol-copy]',
  options: {
    ...CONNECTION.options,
    id: { type: 'string' },
    purpose: { type: 'string' },
    facts: { type: 'string' },
    offence: { type: 'string' },
    'use-restrictions': { type: 'string' },
    urgent: { type: 'boolean' },
    ground: { type: 'string' },
    reasons: { type: 'string' },
    'europol-copy': { type: 'boolean' },
    'europol-reason': { type: 'string' },
    language: { type: 'string' },
    actor: { type: 'string' }
  },
  help: {
    ...CONNECTION.help,
    id: 'Id of an outgoing hit (see nfp hit list).',
    purpose: 'Purpose of the request (Art. 4(5)(b)).',
    facts: 'Facts that the request rests on.',
    offence: 'Offence the request concerns.',
    'use-restrictions': 'Restrictions on the use of the request\'s content.',
    urgent: 'Mark the request urgent; needs --ground and --reasons.',
    ground: 'Urgency ground: PUBLIC_SECURITY_THREAT, LIFE_OR_PHYSICAL_INTEGRITY, DETENTION_DECISION or LOSS_OF_RELEVANCE.',
    reasons: 'Reasons for the urgency.',
    'europol-copy': 'Send a copy to Europol (the node only records this decision).',
    'europol-reason': 'Reason for the Europol copy decision.',
    language: 'Language of the request; by default the first language the member notified.',
    actor: ACTOR_HELP
  },
  run: async (values) => {
    const urgent = values.urgent === true
    const body = {
      purpose: { description: requireString(values, 'purpose'), facts: requireString(values, 'facts'), offence: requireString(values, 'offence') },
      urgency: { urgent, ...(urgent ? { ground: requireString(values, 'ground'), reasons: requireString(values, 'reasons') } : {}) },
      useRestrictions: requireString(values, 'use-restrictions'),
      europolCopy: { copy: values['europol-copy'] === true, reason: requireString(values, 'europol-reason') },
      ...(typeof values.language === 'string' ? { language: values.language } : {}),
      actor: needActor(values)
    }
    const id = encodeURIComponent(requireString(values, 'id'))
    const result = await connectApi(values).request<{ hit: HitRecord, request: { requestId: string, status: string } }>('POST', `/hits/${id}/request`, body)
    console.log(values.json === true ? JSON.stringify(result, null, 2) : `hit ${result.hit.hitId}: request ${result.request.requestId} sent to ${result.hit.peer} (${result.request.status})`)
    return 0
  }
}

const SUBCOMMANDS: Record<string, Command> = { query: queryCommand, list: listCommand, request: requestCommand }

/** The `nfp hit` command, with the subcommands query, list and request. */
export const hitCommand: Command & { main: (argv: string[]) => Promise<number> } = {
  name: 'hit',
  summary: 'hit/no-hit queries across the federation (subcommands: query, list, request)',
  usage: Object.values(SUBCOMMANDS).map(command => command.usage).join('\n       '),
  options: {},
  help: {},
  run: async () => {
    console.error(`nfp hit: a subcommand is required\nUsage: ${hitCommand.usage}`)
    return 2
  },
  main: async (argv) => {
    const [name, ...rest] = argv
    const command = name === undefined ? undefined : SUBCOMMANDS[name]
    if (name === '--help' || name === '-h') {
      console.log(`${hitCommand.summary}\nUsage: ${hitCommand.usage}\nRun \`nfp hit <subcommand> --help\` for the options.`)
      return 0
    }
    if (command === undefined) {
      console.error(`nfp hit: ${name === undefined ? 'a subcommand is required' : `unknown subcommand \`${name}\``}\nUsage: ${hitCommand.usage}`)
      return 2
    }
    try {
      const values = parseCommandArgs(command, rest)
      if (values === 'help') {
        console.log(formatHelp(command))
        return 0
      }
      return await command.run(values)
    } catch (err) {
      if (err instanceof UsageError) {
        console.error(`nfp ${command.name}: ${err.message}`)
        return 2
      }
      if (err instanceof NfpError) {
        console.error(`nfp ${command.name}: ${err.code}: ${err.message}`)
        return 1
      }
      throw err
    }
  }
}

