import { Level } from 'level'
import { errors } from '@ceasefire/protocol'

/** Key range options this module passes to a sublevel iterator. */
export interface RangeOptions {
  gt?: string
  gte?: string
  lt?: string
  lte?: string
  limit?: number
  reverse?: boolean
  /** false reads keys only; the values in the result are then undefined. */
  values?: boolean
}

/** The part of an abstract-level sublevel that node/src/audit uses. */
export interface KeyValueView<V> {
  get: (key: string) => Promise<V | undefined>
  put: (key: string, value: V) => Promise<void>
  iterator: (options: RangeOptions) => { all: () => Promise<Array<[string, V]>> }
}

/**
 * The audit log as text (read only by this module) and the sublevel of signed heads. A running
 * node gets both from `NodeStore.auditHeadsLevels()`; `nfp audit verify` opens them from a
 * stopped node's database with `openAuditLevels`.
 */
export interface AuditLevels {
  auditText: KeyValueView<string>
  heads: KeyValueView<unknown>
}

/** Hash of the empty log: the `prevHash` of entry 1 and the head of a log with no entries. */
export const GENESIS_HASH = 'sha256:' + '0'.repeat(64)

/** Key of audit entry `seq`. It must match `seqKey` in node/src/store/store.ts. */
export function auditKey (seq: number): string {
  return String(seq).padStart(16, '0')
}

/**
 * Opens the database of a stopped node for reading its audit log and heads. It does not go
 * through `NodeStore.open`, so a damaged last entry cannot stop the check, and it never creates a
 * database.
 *
 * @throws StoreFailureError when the database is missing or in use by a running node.
 */
export async function openAuditLevels (dbPath: string): Promise<{ levels: AuditLevels, close: () => Promise<void> }> {
  const db = new Level<string, unknown>(dbPath, { valueEncoding: 'json', createIfMissing: false })
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string, message?: string } }).cause
    const reason = cause?.code === 'LEVEL_LOCKED'
      ? 'it is in use, probably by the running node; check a running node through its API with --api and --token-file'
      : cause?.message ?? (err as Error).message
    throw new errors.StoreFailureError(`cannot open database \`${dbPath}\`: ${reason}`, { cause: err })
  }
  const levels: AuditLevels = {
    auditText: db.sublevel<string, string>('audit', { valueEncoding: 'utf8' }),
    heads: db.sublevel<string, unknown>('audit-heads', { valueEncoding: 'json' })
  }
  return { levels, close: async () => { await db.close() } }
}
