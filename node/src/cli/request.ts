import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { NfpError } from '@ceasefire/protocol'
import type { Command } from './args.ts'
import { UsageError, formatHelp } from './args.ts'
import { ACTOR_HELP, needActor } from './actor.ts'
import { CONNECT_HELP, CONNECT_OPTIONS, connectApi } from './connect.ts'

type Values = Record<string, string | boolean | string[] | undefined>

const USAGE = [
  'nfp request send --to FR --file request.json --actor NAME CONNECTION',
  'nfp request list [--json] CONNECTION',
  'nfp request show REQUEST_ID [--json] CONNECTION',
  'nfp request clarify REQUEST_ID --answer TEXT --actor NAME CONNECTION',
  'CONNECTION is --config node.json, or --api URL --token-file FILE'
].join('\n       ')

const OPTIONS = {
  ...CONNECT_OPTIONS,
  to: { type: 'string' },
  file: { type: 'string' },
  answer: { type: 'string' },
  actor: { type: 'string' },
  json: { type: 'boolean' }
} as const

/** A request this node sent, as `GET /requests` returns it. */
interface SentView {
  requestId: string
  to: string
  status: string
  sentAt: string
  deadline?: string
  overdue: boolean
  content: { informationSought: { description: string }, urgency: { urgent: boolean, ground?: string } }
  clock?: { pausedSince?: string, pauseReason?: string }
  clarifications: Array<{ question: string, askedAt: string, answer?: string }>
  delayNotices: Array<{ at: string, expectedDelayHours: number, reasons: string }>
  alerts: Array<{ kind: string, at: string }>
  records: Array<{ record: { id: string, type: string } }>
  refusals: Array<{ recordId?: string, ground: string, reasons: string }>
  undelivered?: Array<{ type: string, attempts: number, lastError?: string }>
  rejected?: Array<{ type: string, code: string, message: string }>
}

/**
 * `nfp request`: requests for information this node sends to peers (Directive (EU) 2023/977
 * Art. 4). The request content is a JSON file with the Art. 4 elements; the node checks them
 * and rejects a request that lacks one with ERR_REQUEST_INVALID naming it.
 */
export const requestCommand: Command & { main: (argv: string[]) => Promise<number> } = {
  name: 'request',
  summary: 'send requests for information to peers and follow their answers',
  usage: USAGE,
  options: { ...OPTIONS },
  help: {
    ...CONNECT_HELP,
    to: 'send: jurisdiction of the peer asked, e.g. FR.',
    file: 'send: JSON file with the request content (see README, "Requests for information").',
    answer: 'clarify: the answer to the peer\'s question.',
    actor: ACTOR_HELP,
    json: 'Print the API response as JSON.'
  },
  run: async () => {
    console.error(`nfp request: a subcommand is required\nUsage: ${USAGE}`)
    return 2
  },
  main: async (argv) => await runGuarded(requestCommand, argv, runSubcommand)
}

async function runSubcommand (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv)
  const [subcommand, id, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0] as string}\``)
  if (subcommand === undefined) throw new UsageError('a subcommand is required')
  const api = connectApi(values)
  switch (subcommand) {
    case 'send': {
      const to = needString(values, 'to')
      const file = needString(values, 'file')
      let content: unknown
      try {
        content = JSON.parse(readFileSync(file, 'utf8'))
      } catch (err) {
        throw new UsageError(`cannot read request file ${file}: ${(err as Error).message}`)
      }
      const sent = await api.request<SentView>('POST', '/requests', { to, content, actor: needActor(values) })
      print(values, sent, () => describe(sent))
      return 0
    }
    case 'list': {
      const all = await api.request<SentView[]>('GET', '/requests')
      print(values, all, () => all.length === 0 ? 'no requests sent' : all.map(summary).join('\n'))
      return 0
    }
    case 'show': {
      const one = await api.request<SentView>('GET', `/requests/${encodeURIComponent(needId(id))}`)
      print(values, one, () => describe(one))
      return 0
    }
    case 'clarify': {
      const answer = needString(values, 'answer')
      const updated = await api.request<SentView>('POST', `/requests/${encodeURIComponent(needId(id))}/clarification`, { answer, actor: needActor(values) })
      print(values, updated, () => describe(updated))
      return 0
    }
    default:
      throw new UsageError(`unknown subcommand \`${subcommand}\``)
  }
}

function summary (r: SentView): string {
  const state = r.overdue ? `${r.status}, OVERDUE` : r.status
  const deadline = r.deadline ?? (r.clock?.pausedSince === undefined ? 'not known yet' : `paused (${r.clock.pauseReason ?? ''})`)
  return `${r.requestId}  to ${r.to}  ${state.padEnd(24)} deadline ${deadline}  ${r.content.informationSought.description}`
}

function describe (r: SentView): string {
  const lines = [
    `request ${r.requestId} to ${r.to}`,
    `  status:    ${r.status}${r.overdue ? ' (OVERDUE)' : ''}`,
    `  sent:      ${r.sentAt}`,
    `  deadline:  ${r.deadline ?? (r.clock?.pausedSince === undefined ? 'not known yet' : `paused since ${r.clock.pausedSince} (${r.clock.pauseReason ?? ''})`)}`,
    `  urgent:    ${r.content.urgency.urgent ? `yes, ${r.content.urgency.ground ?? ''}` : 'no'}`,
    `  sought:    ${r.content.informationSought.description}`
  ]
  for (const c of r.clarifications) lines.push(`  clarification asked ${c.askedAt}: ${c.question}${c.answer === undefined ? '  [unanswered: nfp request clarify]' : `\n    answered: ${c.answer}`}`)
  for (const d of r.delayNotices) lines.push(`  delay notice ${d.at}: ${d.expectedDelayHours} h expected; ${d.reasons}`)
  for (const a of r.alerts) lines.push(`  alert ${a.kind} at ${a.at}`)
  for (const rec of r.records) lines.push(`  record received: ${rec.record.id} (${rec.record.type})`)
  for (const f of r.refusals) lines.push(`  refused${f.recordId === undefined ? '' : ` ${f.recordId}`}: ${f.ground}: ${f.reasons}`)
  for (const u of r.undelivered ?? []) lines.push(`  waiting to be delivered: ${u.type} (${u.attempts} attempts${u.lastError === undefined ? '' : `, last error ${u.lastError}`})`)
  for (const x of r.rejected ?? []) lines.push(`  rejected by the peer: ${x.type}: ${x.code}: ${x.message}`)
  return lines.join('\n')
}

// ---- Shared with `nfp case` ----------------------------------------------------------------

export function parse (argv: string[], options: Record<string, { type: 'string' | 'boolean' }> = OPTIONS): { values: Values, positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true })
    return { values: values as Values, positionals }
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

export function needString (values: Values, name: string): string {
  const value = values[name]
  if (typeof value !== 'string' || value === '') throw new UsageError(`option --${name} is required`)
  return value
}

export function needId (id: string | undefined): string {
  if (id === undefined || id === '') throw new UsageError('an id is required')
  return id
}

export function print (values: Values, body: unknown, text: () => string): void {
  console.log(values.json === true ? JSON.stringify(body, null, 2) : text())
}

/** Runs a subcommand and turns usage and node errors into an exit status and one line on stderr. */
export async function runGuarded (command: Command, argv: string[], work: (argv: string[]) => Promise<number>): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(formatHelp(command))
    return 0
  }
  try {
    return await work(argv)
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`nfp ${command.name}: ${err.message}\nUsage: ${command.usage}`)
      return 2
    }
    if (err instanceof NfpError) {
      console.error(`nfp ${command.name}: ${err.code}: ${err.message}${err.field === undefined ? '' : ` (field: ${err.field})`}`)
      return 1
    }
    throw err
  }
}
