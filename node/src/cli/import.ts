import { readFileSync } from 'node:fs'
import { NfpError } from '@ceasefire/protocol'
import { planAgoraImport } from '../import/agora.ts'
import type { Command } from './args.ts'
import { UsageError, requireString } from './args.ts'
import { connectApi } from './connect.ts'

export const importCommand: Command = {
  name: 'import',
  summary: 'import Agora weapons listings from a CSV file into a running node',
  usage: 'nfp import --config ./se/node.json --file listings.csv [--default-jurisdiction NL]',
  options: {
    config: { type: 'string' },
    api: { type: 'string' },
    'token-file': { type: 'string' },
    file: { type: 'string' },
    'default-jurisdiction': { type: 'string' },
    update: { type: 'boolean' }
  },
  help: {
    config: 'Node configuration file; gives the API address and token (or use --api and --token-file).',
    api: 'Base URL of the node API, e.g. http://127.0.0.1:7101.',
    'token-file': 'File holding the node API token.',
    file: 'CSV file in the Agora listings format (required).',
    'default-jurisdiction': 'Member that receives listings whose origin is free text or not a member (default: this node).',
    update: 'Overwrite records that already exist (default: keep them, so a repeated import does not undo later changes).'
  },
  run: async (values) => {
    const api = connectApi(values)
    const health = await api.request<{ jurisdiction: string, members: string[] }>('GET', '/health')
    const defaultJurisdiction = typeof values['default-jurisdiction'] === 'string' ? values['default-jurisdiction'] : health.jurisdiction
    if (!health.members.includes(defaultJurisdiction)) {
      throw new UsageError(`--default-jurisdiction ${defaultJurisdiction} is not a federation member (${health.members.join(', ')})`)
    }

    const file = requireString(values, 'file')
    let csv: string
    try {
      csv = readFileSync(file, 'utf8')
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`)
    }
    const plan = planAgoraImport(csv, { jurisdictions: health.members, defaultJurisdiction, now: new Date() })
    const mine = plan.rows.filter(r => r.jurisdiction === health.jurisdiction)
    const elsewhere = plan.rows.length - mine.length

    let done = 0
    let created = 0
    let failed = 0
    for (const row of mine) {
      for (const draft of row.drafts) {
        try {
          const result = await api.request<{ status: string }>('POST', `/records?existing=${values.update === true ? 'update' : 'keep'}`, draft)
          if (result.status === 'created' || result.status === 'updated') created++
        } catch (err) {
          // Errors about the connection or the token would repeat for every record, so stop.
          if (!(err instanceof NfpError) || FATAL_CODES.has(err.code)) throw err
          failed++
          console.error(`line ${row.line}: ${err.code}: ${err.message}`)
        }
      }
      done++
      if (done % 10 === 0 || done === mine.length) process.stderr.write(`imported ${done}/${mine.length} rows\n`)
    }

    for (const error of plan.errors) console.error(`line ${error.line}: ${error.code}: ${error.message}`)
    console.log(`${health.jurisdiction}: ${mine.length} rows imported as ${mine.reduce((n, r) => n + r.drafts.length, 0)} records (${created} new or changed); ${elsewhere} rows belong to other members; ${plan.errors.length} rows could not be read; ${failed} records were rejected by the node`)
    return plan.errors.length === 0 && failed === 0 ? 0 : 1
  }
}

const FATAL_CODES = new Set(['ERR_API_UNREACHABLE', 'ERR_AUTH_REQUIRED', 'ERR_INTERNAL', 'ERR_STORE_FAILURE'])

