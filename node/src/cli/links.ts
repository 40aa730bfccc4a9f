import { NfpError } from '@ceasefire/protocol'
import type { Command } from './args.ts'
import { UsageError, formatHelp, parseCommandArgs, requireString } from './args.ts'
import { ACTOR_ENV, needActor } from './actor.ts'
import { connectApi } from './connect.ts'

interface LinkView {
  id: string
  records: [string, string]
  kind: string
  score: number
  status: string
  evidence: Array<{ feature: string, outcome: string, similarity?: number }>
  decidedBy?: string
  recordLinkId?: string
}

const CONNECTION_OPTIONS: Command['options'] = {
  config: { type: 'string' },
  api: { type: 'string' },
  'token-file': { type: 'string' }
}
const CONNECTION_HELP: Record<string, string> = {
  config: 'Node configuration file; gives the API address and token (or use --api and --token-file).',
  api: 'Base URL of the node API, e.g. http://127.0.0.1:7101.',
  'token-file': 'File holding the node API token.'
}

const listCommand: Command = {
  name: 'links list',
  summary: 'list links the linking model proposed, and decided ones',
  usage: 'nfp links list --config ./se/node.json [--status proposed|confirmed|rejected] [--json]',
  options: { ...CONNECTION_OPTIONS, status: { type: 'string' }, json: { type: 'boolean' } },
  help: { ...CONNECTION_HELP, status: 'Only links with this status (default: all).', json: 'Print the links as JSON.' },
  run: async (values) => {
    const status = values.status
    if (status !== undefined && !['proposed', 'confirmed', 'rejected'].includes(String(status))) throw new UsageError('--status must be proposed, confirmed or rejected')
    const links = await connectApi(values).request<LinkView[]>('GET', `/links?limit=1000${status === undefined ? '' : `&status=${String(status)}`}`)
    if (values.json === true) {
      console.log(JSON.stringify(links, null, 2))
      return 0
    }
    if (links.length === 0) console.log('no links')
    for (const link of links) {
      const evidence = link.evidence.map(e => `${e.feature} ${e.outcome}`).join(', ')
      console.log(`${link.id}  ${link.status.padEnd(9)} ${link.kind.padEnd(20)} score ${link.score.toFixed(3)}\n  ${link.records[0]}\n  ${link.records[1]}\n  evidence: ${evidence}`)
    }
    return 0
  }
}

const confirmCommand: Command = {
  name: 'links confirm',
  summary: 'confirm a proposed link; the node creates and signs a RecordLink record',
  usage: 'nfp links confirm --config ./se/node.json --id lnk-… --by "Insp. A. Jansen" [--note TEXT]',
  options: { ...CONNECTION_OPTIONS, id: { type: 'string' }, by: { type: 'string' }, note: { type: 'string' } },
  help: { ...CONNECTION_HELP, id: 'Link id from `nfp links list` (required).', by: `Name or service number of the confirming operator (required; defaults to $${ACTOR_ENV}).`, note: 'Why the link holds, kept in the RecordLink.' },
  run: async (values) => {
    const body: Record<string, string> = { confirmedBy: needActor(values, 'by') }
    if (typeof values.note === 'string') body.note = values.note
    const result = await connectApi(values).request<{ record: { signed: { record: { id: string } } } }>('POST', `/links/${encodeURIComponent(requireString(values, 'id'))}/confirm`, body)
    console.log(`confirmed; RecordLink ${result.record.signed.record.id}`)
    return 0
  }
}

const rejectCommand: Command = {
  name: 'links reject',
  summary: 'reject a proposed link; the pair is not proposed again',
  usage: 'nfp links reject --config ./se/node.json --id lnk-… --by "Insp. A. Jansen" --reason TEXT',
  options: { ...CONNECTION_OPTIONS, id: { type: 'string' }, by: { type: 'string' }, reason: { type: 'string' } },
  help: { ...CONNECTION_HELP, id: 'Link id from `nfp links list` (required).', by: `Name or service number of the rejecting operator (required; defaults to $${ACTOR_ENV}).`, reason: 'Why the records do not describe the same thing (required).' },
  run: async (values) => {
    await connectApi(values).request('POST', `/links/${encodeURIComponent(requireString(values, 'id'))}/reject`, { rejectedBy: needActor(values, 'by'), reason: requireString(values, 'reason') })
    console.log('rejected')
    return 0
  }
}

const SUBCOMMANDS: Record<string, Command> = { list: listCommand, confirm: confirmCommand, reject: rejectCommand }

/** The `nfp links` command with its subcommands list, confirm and reject, which talk to a running node. */
export const linksCommand: Command & { main: (argv: string[]) => Promise<number> } = {
  name: 'links',
  summary: 'list, confirm and reject proposed record links (subcommands: list, confirm, reject)',
  usage: [listCommand.usage, confirmCommand.usage, rejectCommand.usage].join('\n       '),
  options: {},
  help: {},
  run: async () => 2,
  main: async (argv) => {
    const [name, ...rest] = argv
    if (name === '--help' || name === '-h') {
      console.log(formatHelp(linksCommand))
      return 0
    }
    const command = name === undefined ? undefined : SUBCOMMANDS[name]
    if (command === undefined) {
      console.error(`nfp links: ${name === undefined ? 'a subcommand is required' : `unknown subcommand \`${name}\``}\nUsage: ${linksCommand.usage}`)
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
