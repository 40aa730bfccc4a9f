import { readFileSync } from 'node:fs'
import { loadConfig } from '../config.ts'
import { readApiToken } from '../identity.ts'
import { UsageError } from './args.ts'
import { ApiClient } from './client.ts'

/** Options every command that talks to a running node accepts. */
export const CONNECT_OPTIONS = {
  config: { type: 'string' },
  api: { type: 'string' },
  'token-file': { type: 'string' }
} as const

export const CONNECT_HELP: Record<string, string> = {
  config: 'Node configuration file; gives the API address and token (or use --api and --token-file).',
  api: 'Base URL of the node API, e.g. http://127.0.0.1:7101.',
  'token-file': 'File holding the node API token (with --api).'
}

/** Opens a client for the node named by `--config`, or by `--api` and `--token-file`. */
export function connectApi (values: Record<string, string | boolean | string[] | undefined>): ApiClient {
  if (typeof values.config === 'string') {
    const config = loadConfig(values.config)
    return new ApiClient(`http://${config.http.host}:${config.http.port}`, readApiToken(config.dataDir))
  }
  if (typeof values.api !== 'string' || typeof values['token-file'] !== 'string') {
    throw new UsageError('give --config FILE, or --api URL and --token-file FILE')
  }
  let token: string
  try {
    token = readFileSync(values['token-file'], 'utf8').trim()
  } catch (err) {
    throw new UsageError(`cannot read token file ${values['token-file']}: ${(err as Error).message}`)
  }
  return new ApiClient(values.api, token)
}
