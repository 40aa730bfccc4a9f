import { errorFromCode, errors } from '@ceasefire/protocol'
import type { NfpError } from '@ceasefire/protocol'

/** A small client of one node's HTTP API, used by the CLI and the demo. */
export class ApiClient {
  readonly baseUrl: string
  readonly #token: string

  constructor (baseUrl: string, token: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '')
    if (!/^[A-Za-z0-9_-]+$/.test(token)) {
      // The value is not echoed: a wrong file could hold a private key.
      throw new errors.ConfigInvalidError('the API token is not a base64url string; check that the token file is `<dataDir>/keys/api-token`')
    }
    this.#token = token
  }

  /** Sends a request and returns the parsed JSON body; a non-2xx response throws the typed error its code names. */
  async request<T = unknown> (method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const init: RequestInit = {
      method,
      headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    }
    let response: Response
    try {
      response = await fetch(this.baseUrl + path, init)
    } catch (err) {
      throw new errors.ApiUnreachableError(`cannot reach the node API at ${this.baseUrl}: ${(err as Error).message}; is the node running?`)
    }
    let parsed: Record<string, unknown> | undefined
    try {
      const text = await response.text()
      parsed = text === '' ? undefined : JSON.parse(text) as Record<string, unknown>
    } catch (err) {
      throw new errors.ApiUnreachableError(`the node API at ${this.baseUrl} broke off its response: ${(err as Error).message}`)
    }
    if (!response.ok) {
      const error: NfpError = errorFromCode(String(parsed?.code ?? 'ERR_INTERNAL'), String(parsed?.message ?? response.statusText), typeof parsed?.field === 'string' ? parsed.field : undefined)
      if (parsed?.decision !== undefined) Object.assign(error, { decision: parsed.decision })
      throw error
    }
    return parsed as T
  }
}
