import { APPROVER_ROLES, REFUSAL_GROUNDS } from '../policy/index.ts'
import type { Command } from './args.ts'
import { UsageError } from './args.ts'
import { CONNECT_HELP, CONNECT_OPTIONS, connectApi } from './connect.ts'
import { ACTOR_ENV, ACTOR_HELP, needActor } from './actor.ts'
import { needId, needString, parse, print, runGuarded } from './request.ts'

const USAGE = [
  'nfp case list [--json] CONNECTION',
  'nfp case show CASE_ID [--json] CONNECTION',
  'nfp case approve CASE_ID ITEM --by NAME --role ROLE [--reference REF] [--note TEXT] CONNECTION',
  'nfp case refuse CASE_ID ITEM --ground GROUND --note TEXT --actor NAME CONNECTION',
  'nfp case clarify CASE_ID --question TEXT [--actor NAME] CONNECTION',
  'nfp case answer CASE_ID --actor NAME CONNECTION',
  'CONNECTION is --config node.json, or --api URL --token-file FILE',
  `--actor defaults to $${ACTOR_ENV}`
].join('\n       ')

const OPTIONS = {
  ...CONNECT_OPTIONS,
  by: { type: 'string' },
  role: { type: 'string' },
  reference: { type: 'string' },
  note: { type: 'string' },
  ground: { type: 'string' },
  question: { type: 'string' },
  actor: { type: 'string' },
  json: { type: 'boolean' }
} as const

/** A received request, as `GET /cases` returns it. */
interface CaseView {
  caseId: string
  requester: string
  status: string
  outcome?: string
  deadline?: string
  overdue: boolean
  content: { informationSought: { description: string }, purpose: { offence: string }, urgency: { urgent: boolean, ground?: string }, language: string }
  clock: { receivedAt: string, limitHours: number, access: string, pausedSince?: string, pauseReason?: string }
  items: Array<{ itemId: string, recordId: string, recordType: string, status: string, approvers?: string[], refusal?: { ground: string, reasons: string }, decision: { explanation: string } }>
  clarifications: Array<{ question: string, askedAt: string, answer?: string }>
  delayNotices: Array<{ at: string, expectedDelayHours: number, reasons: string }>
  alerts: Array<{ kind: string, at: string }>
  undelivered?: Array<{ type: string, attempts: number, lastError?: string }>
  rejected?: Array<{ type: string, code: string, message: string }>
}

/**
 * `nfp case`: the queue of received requests for information, the earliest deadline first,
 * and the decisions a legal officer takes on them (Directive (EU) 2023/977 Art. 5 and 6).
 */
export const caseCommand: Command & { main: (argv: string[]) => Promise<number> } = {
  name: 'case',
  summary: 'work on received requests: queue by deadline, approve, refuse, clarify, answer',
  usage: USAGE,
  options: { ...OPTIONS },
  help: {
    ...CONNECT_HELP,
    by: 'approve: name of the person who approves.',
    role: `approve: role of that person, one of ${APPROVER_ROLES.join(', ')}.`,
    reference: 'approve: reference of the authorisation, such as a court order number.',
    note: 'approve: optional note. refuse: reasons given to the requester (required).',
    ground: `refuse: ground from the closed list of Art. 6(1): ${REFUSAL_GROUNDS.join(', ')}.`,
    question: 'clarify: the question for the requester; the clock stops until it is answered.',
    actor: `${ACTOR_HELP} Optional for clarify.`,
    json: 'Print the API response as JSON.'
  },
  run: async () => {
    console.error(`nfp case: a subcommand is required\nUsage: ${USAGE}`)
    return 2
  },
  main: async (argv) => await runGuarded(caseCommand, argv, runSubcommand)
}

async function runSubcommand (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS)
  const [subcommand, id, item, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`unexpected argument \`${extra[0] as string}\``)
  if (subcommand === undefined) throw new UsageError('a subcommand is required')
  const api = connectApi(values)
  const actorName = typeof values.actor === 'string' ? values.actor : process.env[ACTOR_ENV]
  const actor = actorName === undefined || actorName.trim() === '' ? {} : { actor: actorName.trim() }
  const path = (suffix = ''): string => `/cases/${encodeURIComponent(needId(id))}${suffix}`
  const itemPath = (action: string): string => {
    if (item === undefined) throw new UsageError('an item number is required, as `nfp case show` lists it')
    return path(`/items/${encodeURIComponent(item)}/${action}`)
  }
  let result: CaseView
  switch (subcommand) {
    case 'list': {
      const all = await api.request<CaseView[]>('GET', '/cases')
      print(values, all, () => all.length === 0 ? 'no cases' : all.map(summary).join('\n'))
      return 0
    }
    case 'show':
      result = await api.request<CaseView>('GET', path())
      break
    case 'approve':
      result = await api.request<CaseView>('POST', itemPath('approve'), {
        approvedBy: needString(values, 'by'),
        role: needString(values, 'role'),
        ...(typeof values.reference === 'string' ? { reference: values.reference } : {}),
        ...(typeof values.note === 'string' ? { note: values.note } : {})
      })
      break
    case 'refuse':
      result = await api.request<CaseView>('POST', itemPath('refuse'), { ground: needString(values, 'ground'), note: needString(values, 'note'), actor: needActor(values) })
      break
    case 'clarify':
      result = await api.request<CaseView>('POST', path('/clarification'), { question: needString(values, 'question'), ...actor })
      break
    case 'answer':
      result = await api.request<CaseView>('POST', path('/answer'), { actor: needActor(values) })
      break
    default:
      throw new UsageError(`unknown subcommand \`${subcommand}\``)
  }
  print(values, result, () => describe(result))
  return 0
}

function deadlineText (c: CaseView): string {
  if (c.status === 'answered') return `answered (${c.outcome ?? ''})`
  if (c.deadline !== undefined) return `${c.deadline}${c.overdue ? ' OVERDUE' : ''}`
  return `paused (${c.clock.pauseReason ?? ''})`
}

function summary (c: CaseView): string {
  const open = c.items.filter(i => i.status === 'awaiting-approval').length
  return `${c.caseId}  from ${c.requester}  ${c.status.padEnd(20)} ${deadlineText(c).padEnd(36)} ${c.items.length} items${open > 0 ? `, ${open} await approval` : ''}  ${c.content.informationSought.description}`
}

function describe (c: CaseView): string {
  const lines = [
    `case ${c.caseId} from ${c.requester}`,
    `  status:    ${c.status}${c.outcome === undefined ? '' : ` (${c.outcome})`}`,
    `  received:  ${c.clock.receivedAt}; limit ${c.clock.limitHours} h, ${c.clock.access} access`,
    `  deadline:  ${deadlineText(c)}`,
    `  urgent:    ${c.content.urgency.urgent ? `yes, ${c.content.urgency.ground ?? ''}` : 'no'}`,
    `  offence:   ${c.content.purpose.offence}`,
    `  sought:    ${c.content.informationSought.description}`,
    `  language:  ${c.content.language}`,
    '  items:'
  ]
  if (c.items.length === 0) lines.push('    none: the answer will be a refusal on NOT_AVAILABLE')
  for (const i of c.items) {
    let state = i.status
    if (i.status === 'awaiting-approval') state += ` by ${(i.approvers ?? []).join(' or ')}`
    if (i.refusal !== undefined) state += `: ${i.refusal.ground}: ${i.refusal.reasons}`
    lines.push(`    ${i.itemId}. ${i.recordId} (${i.recordType}) ${state}`)
  }
  for (const q of c.clarifications) lines.push(`  clarification asked ${q.askedAt}: ${q.question}${q.answer === undefined ? '  [awaiting answer]' : `\n    answered: ${q.answer}`}`)
  for (const d of c.delayNotices) lines.push(`  delay notice sent ${d.at}: ${d.expectedDelayHours} h; ${d.reasons}`)
  for (const a of c.alerts ?? []) lines.push(`  alert ${a.kind} at ${a.at}`)
  for (const u of c.undelivered ?? []) lines.push(`  waiting to be delivered: ${u.type} (${u.attempts} attempts${u.lastError === undefined ? '' : `, last error ${u.lastError}`})`)
  for (const x of c.rejected ?? []) lines.push(`  rejected by the requester: ${x.type}: ${x.code}: ${x.message}`)
  return lines.join('\n')
}
