import { createHash } from 'node:crypto'
import { Level } from 'level'
import { canonicalize } from '../../../protocol/src/index.ts'

export { nfp } from '../helpers/nfp.ts'

export const entryKey = (seq: number): string => String(seq).padStart(16, '0')

/** Opens a stopped node's database directly, as someone with access to its files could. */
export async function withDatabase<T> (dbPath: string, work: (db: Level<string, string>) => Promise<T>): Promise<T> {
  const db = new Level<string, string>(dbPath, { valueEncoding: 'utf8', createIfMissing: false })
  await db.open()
  try {
    return await work(db)
  } finally {
    await db.close()
  }
}

/** Replaces the stored text of audit entry `seq`. */
export async function editAuditEntry (dbPath: string, seq: number, edit: (text: string) => string): Promise<void> {
  await withDatabase(dbPath, async db => {
    const audit = db.sublevel<string, string>('audit', { valueEncoding: 'utf8' })
    const text = await audit.get(entryKey(seq))
    if (text === undefined) throw new Error(`no audit entry ${seq} in ${dbPath}`)
    const changed = edit(text)
    if (changed === text) throw new Error(`the edit left audit entry ${seq} unchanged`)
    await audit.put(entryKey(seq), changed)
  })
}

/** Changes one byte of audit entry `seq`: the first `from` character in its `event` value becomes `to`. */
export async function flipEventByte (dbPath: string, seq: number, from: string, to: string): Promise<void> {
  await editAuditEntry(dbPath, seq, text => {
    const start = text.indexOf('"event":"') + '"event":"'.length
    const offset = text.indexOf(from, start)
    if (start < '"event":"'.length || offset < 0) throw new Error(`audit entry ${seq} has no \`${from}\` in its event`)
    return text.slice(0, offset) + to + text.slice(offset + 1)
  })
}

/**
 * Rewrites audit entry `seq` with `change` and recomputes the hashes of it and every later entry,
 * so the chain verifies again, as anyone with access to the files and the hash rule could.
 */
export async function rewriteAuditHistory (dbPath: string, seq: number, change: (entry: Record<string, unknown>) => void): Promise<void> {
  await withDatabase(dbPath, async db => {
    const audit = db.sublevel<string, string>('audit', { valueEncoding: 'utf8' })
    const rows = await audit.iterator({ gte: entryKey(seq) }).all()
    let prevHash = seq === 1 ? 'sha256:' + '0'.repeat(64) : (JSON.parse((await audit.get(entryKey(seq - 1)))!) as { hash: string }).hash
    for (const [key, text] of rows) {
      const { hash: _old, ...entry } = JSON.parse(text) as Record<string, unknown>
      if (key === entryKey(seq)) change(entry)
      entry.prevHash = prevHash
      const hash = 'sha256:' + createHash('sha256').update(canonicalize(entry)).digest('hex')
      await audit.put(key, JSON.stringify({ ...entry, hash }))
      prevHash = hash
    }
  })
}

/** Deletes every stored own head of a node, so it no longer remembers what it signed. */
export async function deleteOwnHeads (dbPath: string): Promise<number> {
  return await withDatabase(dbPath, async db => {
    const heads = db.sublevel<string, string>('audit-heads', { valueEncoding: 'utf8' })
    const keys = await heads.keys({ gte: 'own!', lt: 'own!\uffff' }).all()
    for (const key of keys) await heads.del(key)
    return keys.length
  })
}

/** Deletes audit entries from `seq` on. */
export async function truncateAuditLog (dbPath: string, seq: number): Promise<number> {
  return await withDatabase(dbPath, async db => {
    const audit = db.sublevel<string, string>('audit', { valueEncoding: 'utf8' })
    const keys = await audit.keys({ gte: entryKey(seq) }).all()
    for (const key of keys) await audit.del(key)
    return keys.length
  })
}
