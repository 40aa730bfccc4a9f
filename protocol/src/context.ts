import { readFileSync } from 'node:fs'
import type { RemoteDocument } from 'jsonld'
import { CONTEXT_URL } from './constants.ts'
import { RecordJsonLdInvalidError } from './errors.ts'

const contextDocument: unknown = JSON.parse(
  readFileSync(new URL('../context/v1.jsonld', import.meta.url), 'utf8')
)

/** Returns the shipped JSON-LD context document of protocol version 1. */
export function recordContext (): unknown {
  return structuredClone(contextDocument)
}

/**
 * Resolves only the contexts shipped in this package. Any other URL fails, so expanding a
 * record never reaches the network and a record cannot pull in a context we have not reviewed.
 * The shipped context never changes while the process runs, so it is tagged `static`. jsonld
 * then keeps the processed context in its shared cache instead of fetching and processing it
 * again for every record, which took most of the time of an expansion.
 */
export async function documentLoader (url: string): Promise<RemoteDocument> {
  if (url === CONTEXT_URL) return { contextUrl: null, documentUrl: url, document: recordContext(), tag: 'static' }
  throw new RecordJsonLdInvalidError(`context \`${url}\` is not one this node ships; records must use \`${CONTEXT_URL}\``)
}

/**
 * Expands a record with the shipped context in safe mode, so a term the context does not
 * define fails instead of being dropped from the graph.
 */
export async function expandRecord (record: unknown): Promise<unknown[]> {
  // Loaded on the first record, because jsonld and the HTTP client it pulls in took about
  // 0.2 s of every start.
  const { default: jsonld } = await import('jsonld')
  try {
    return await jsonld.expand(record, { documentLoader, safe: true })
  } catch (err) {
    if (err instanceof RecordJsonLdInvalidError) throw err
    const message = err instanceof Error ? err.message : String(err)
    throw new RecordJsonLdInvalidError(`record is not valid JSON-LD under \`${CONTEXT_URL}\`: ${message}`, { cause: err })
  }
}
