import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NfpError } from '@ceasefire/protocol'
import { openAuditLevels } from '../audit/levels.ts'
import { membershipKeyResolver } from '../audit/signed-head.ts'
import { verifyAuditLog } from '../audit/verify.ts'
import type { AuditVerifyReport } from '../audit/verify.ts'
import { loadConfig } from '../config.ts'
import { loadMembership } from '../federation/load-membership.ts'
import type { Command } from './args.ts'
import { UsageError, formatHelp, parseCommandArgs } from './args.ts'
import { ApiClient } from './client.ts'

type OptionValues = Parameters<Command['run']>[0]

const PROBLEM_NAMES: Record<string, string> = {
  unreadable: 'unreadable entry',
  seq: 'sequence number mismatch',
  'prev-hash': 'prevHash mismatch',
  'entry-hash': 'entry hash mismatch',
  signature: 'signature does not verify',
  'missing-entry': 'entry missing',
  'hash-differs': 'hash differs from the signed head'
}

export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'check a node\'s audit hash chain and its own signed heads; exit status 1 when broken',
  usage: 'nfp audit verify --config ./se/node.json [--json]  (stopped node)\n       nfp audit verify --api http://127.0.0.1:7103 --token-file ./se/data/keys/api-token [--json]  (running node)',
  options: {
    config: { type: 'string' },
    api: { type: 'string' },
    'token-file': { type: 'string' },
    json: { type: 'boolean' }
  },
  help: {
    config: 'Configuration file of a stopped node; the check opens its database, so the node must not be running.',
    api: 'Base URL of a running node\'s API, e.g. http://127.0.0.1:7103; needs --token-file.',
    'token-file': 'File holding the node API token (with --api).',
    json: 'Print the report as JSON instead of text.'
  },
  run: async (values) => {
    const report = typeof values.api === 'string' ? await verifyRunningNode(values) : await verifyStoppedNode(values)
    console.log(values.json === true ? JSON.stringify(report, null, 2) : formatReport(report))
    return report.intact ? 0 : 1
  }
}

/**
 * The `nfp audit` command. It takes a subcommand, which the shared option parser of the other
 * commands rejects as a positional argument, so `main` picks the subcommand itself and `run`
 * only prints the usage. `verify` is the only subcommand so far.
 */
export const auditCommand: Command & { main: (argv: string[]) => Promise<number> } = {
  name: 'audit',
  summary: 'check a node\'s audit log and signed heads (subcommand: verify)',
  usage: auditVerifyCommand.usage,
  options: auditVerifyCommand.options,
  help: auditVerifyCommand.help,
  run: async () => {
    console.error(`nfp audit: a subcommand is required\nUsage: ${auditVerifyCommand.usage}`)
    return 2
  },
  main: async (argv) => {
    const [subcommand, ...rest] = argv
    if (subcommand === '--help' || subcommand === '-h') {
      console.log(formatHelp(auditCommand))
      return 0
    }
    if (subcommand !== 'verify') {
      console.error(`nfp audit: ${subcommand === undefined ? 'a subcommand is required' : `unknown subcommand \`${subcommand}\``}\nUsage: ${auditVerifyCommand.usage}`)
      return 2
    }

    try {
      const values = parseCommandArgs(auditVerifyCommand, rest)
      if (values === 'help') {
        console.log(formatHelp(auditVerifyCommand))
        return 0
      }
      return await auditVerifyCommand.run(values)
    } catch (err) {
      if (err instanceof UsageError) {
        console.error(`nfp audit verify: ${err.message}`)
        return 2
      }
      if (err instanceof NfpError) {
        console.error(`nfp audit verify: ${err.code}: ${err.message}`)
        return 1
      }
      throw err
    }
  }
}

async function verifyStoppedNode (values: OptionValues): Promise<AuditVerifyReport> {
  if (typeof values.config !== 'string' || values.config === '') {
    throw new UsageError('give --config FILE for a stopped node, or --api URL and --token-file FILE for a running node')
  }
  if (values['token-file'] !== undefined) throw new UsageError('--token-file is used only with --api; remove it, or use --api instead of --config')
  const config = loadConfig(values.config)
  // The membership contains the keys that verify the node's signed heads. It is loaded as at
  // start, so a signed federation file and a newer accepted version are read too.
  const { membership } = await loadMembership(config)
  const { levels, close } = await openAuditLevels(join(config.dataDir, 'db'))
  try {
    return await verifyAuditLog(levels, { jurisdiction: config.jurisdiction, resolveKey: membershipKeyResolver(() => membership) })
  } finally {
    await close()
  }
}

async function verifyRunningNode (values: OptionValues): Promise<AuditVerifyReport> {
  if (values.config !== undefined) throw new UsageError('give either --config (stopped node) or --api (running node), not both')
  const tokenFile = values['token-file']
  if (typeof tokenFile !== 'string' || tokenFile === '') throw new UsageError('option --token-file is required with --api')
  let token: string
  try {
    token = readFileSync(tokenFile, 'utf8').trim()
  } catch (err) {
    throw new UsageError(`cannot read token file ${tokenFile}: ${(err as Error).message}`)
  }
  return await new ApiClient(values.api as string, token).request<AuditVerifyReport>('GET', '/audit/verify')
}

/** Formats a report as lines of text, the first broken entry and each failing head first. */
export function formatReport (report: AuditVerifyReport): string {
  const { chain, ownHeads } = report
  const lines = [`${report.jurisdiction} audit log: ${chain.entries} entries, last seq ${chain.head.seq}`]

  if (chain.broken === undefined) {
    lines.push('chain: intact')
  } else {
    lines.push(`chain: BROKEN at seq ${chain.broken.seq}: ${PROBLEM_NAMES[chain.broken.problem] ?? chain.broken.problem}: ${chain.broken.message}`)
  }

  if (ownHeads.problemCount === 0) {
    lines.push(`own signed heads: ${ownHeads.checked} checked, all match the log` + (ownHeads.latest === undefined ? '' : ` (latest: seq ${ownHeads.latest.seq}, signed ${ownHeads.latest.at})`))
  } else {
    lines.push(`own signed heads: ${ownHeads.problemCount} of ${ownHeads.checked} do not match the log`)
    for (const problem of ownHeads.problems) {
      lines.push(`  seq ${problem.seq}: ${PROBLEM_NAMES[problem.problem] ?? problem.problem}: ${problem.message}`)
    }
    if (ownHeads.problemCount > ownHeads.problems.length) lines.push(`  … and ${ownHeads.problemCount - ownHeads.problems.length} more`)
  }

  lines.push(report.intact ? 'result: intact' : `result: BROKEN from seq ${report.brokenAt}`)
  return lines.join('\n')
}
