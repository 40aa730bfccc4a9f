/** A response from the node's HTTP API: status and JSON body. */
export interface ApiResponse {
  status: number
  body: any
}

/**
 * Client for the HTTP API of the node under test. The suite uses it only to set up a case and
 * to read what the node did (records, audit log, cases): the API of the reference node, see
 * /docs on that node. A node with another operator API needs an adapter with these methods.
 */
export class TargetApi {
  readonly #base: string
  readonly #token: string | undefined

  constructor (base: string, token: string | undefined) {
    this.#base = base.replace(/\/+$/, '')
    this.#token = token
  }

  get base (): string {
    return this.#base
  }

  async call (method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const headers: Record<string, string> = { 'x-operator': 'nfp-conformance' }
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(this.#base + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(30000) })
    const text = await response.text()
    let parsed: unknown = text
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      // Kept as text; the test reports it.
    }
    return { status: response.status, body: parsed }
  }

  async ingest (draft: Record<string, unknown>): Promise<ApiResponse> {
    return await this.call('POST', '/records', draft)
  }

  async share (recordId: string, to: string): Promise<ApiResponse> {
    return await this.call('POST', `/records/${encodeURIComponent(recordId)}/share`, { to })
  }

  async revoke (recordId: string, reason: string): Promise<ApiResponse> {
    return await this.call('POST', `/records/${encodeURIComponent(recordId)}/revoke`, { reason })
  }

  async record (recordId: string): Promise<ApiResponse> {
    return await this.call('GET', `/records/${encodeURIComponent(recordId)}`)
  }

  async membership (): Promise<ApiResponse> {
    return await this.call('GET', '/membership')
  }

  async health (): Promise<ApiResponse> {
    return await this.call('GET', '/health')
  }

  async quarantine (): Promise<ApiResponse> {
    return await this.call('GET', '/quarantine')
  }

  async caseOf (caseId: string): Promise<ApiResponse> {
    return await this.call('GET', `/cases/${encodeURIComponent(caseId)}`)
  }

  /** Audit entries with a sequence number above `after` (all pages). */
  async auditAfter (after: number): Promise<Array<Record<string, any>>> {
    const entries: Array<Record<string, any>> = []
    let from = after
    for (;;) {
      const page = await this.call('GET', `/audit?after=${from}&limit=1000`)
      if (page.status !== 200) throw new Error(`GET /audit returned status ${page.status}: ${JSON.stringify(page.body).slice(0, 200)}`)
      const batch = (page.body as { entries: Array<Record<string, any>> }).entries
      entries.push(...batch)
      if (batch.length < 1000) return entries
      from = batch[batch.length - 1]!.seq as number
    }
  }

  /** The highest audit sequence number now. */
  async auditHead (): Promise<number> {
    let last = 0
    for (;;) {
      const page = await this.call('GET', `/audit?after=${last}&limit=1000`)
      if (page.status !== 200) throw new Error(`GET /audit returned status ${page.status}`)
      const batch = (page.body as { entries: Array<{ seq: number }> }).entries
      if (batch.length === 0) return last
      last = batch[batch.length - 1]!.seq
      if (batch.length < 1000) return last
    }
  }
}
