import { NfpError, errors, expandRecord, verifySignedRecord } from '@ceasefire/protocol'
import type { KeyResolver, Membership, NfpRecord, ShareItem, ShareItemResult, ShareRequest, ShareResponse } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { AuditDraft, NodeStore, StoredRecord } from './store/store.ts'

/** What the inbound path needs from the node. */
export interface InboundContext {
  jurisdiction: string
  membership: Membership
  store: NodeStore
  resolveKey: KeyResolver
  log: Logger
  now: () => Date
}

/** Most rejected record ids named in the one audit entry that sums up a message's rejections. */
const MAX_IDS_IN_REJECTION_ENTRY = 10

/**
 * Handles a share request from an authenticated peer. Each record is verified before anything
 * is stored and committed with its own audit entry; rejections of one message share a single
 * audit entry, so a hostile member cannot grow the log by one entry per junk item.
 */
export async function receiveShare (context: InboundContext, request: ShareRequest, remotePeerId: string): Promise<ShareResponse> {
  const sender = context.membership.members.find(m => m.peerId === remotePeerId)
  if (sender === undefined || sender.jurisdiction !== request.sender) {
    await context.store.commit({ audit: [{ event: 'share.refused', peer: sender?.jurisdiction ?? remotePeerId, messageId: request.messageId, code: errors.PeerIdentityMismatchError.code }] })
    context.log.warn({ peer: sender?.jurisdiction ?? remotePeerId, messageId: request.messageId }, 'share message names another sender than its connection')
    return { type: 'error', messageId: request.messageId, code: errors.PeerIdentityMismatchError.code, message: `connection is authenticated as ${sender?.jurisdiction ?? 'a non-member'} but the message claims sender ${request.sender}` }
  }

  const results: ShareItemResult[] = []
  for (const [index, item] of request.items.entries()) {
    results.push(await receiveItem(context, index, item, request))
  }

  const rejected = results.filter(r => r.status === 'rejected')
  const audit: AuditDraft[] = []
  if (rejected.length > 0) {
    const ids = rejected.map(r => r.id ?? '(no id)').slice(0, MAX_IDS_IN_REJECTION_ENTRY)
    const codes = countCodes(rejected)
    audit.push({
      event: 'record.rejected',
      peer: request.sender,
      messageId: request.messageId,
      code: rejected[0]!.code as string,
      ...(rejected.length === 1 && rejected[0]!.id !== undefined ? { recordId: rejected[0]!.id } : {}),
      detail: `${rejected.length} of ${results.length} records rejected (${codes}): ${ids.join(', ')}${rejected.length > ids.length ? ', …' : ''}`
    })
    context.log.warn({ peer: request.sender, messageId: request.messageId, rejected: rejected.length, codes }, 'records rejected')
  }
  await context.store.commit({
    inbox: { messageId: request.messageId, sender: request.sender, receivedAt: context.now().toISOString(), results: results.map(r => ({ ...(r.id === undefined ? {} : { id: r.id }), status: r.status, ...(r.code === undefined ? {} : { code: r.code }) })) },
    audit
  })
  return { type: 'share-result', messageId: request.messageId, receiver: context.jurisdiction, results }
}

async function receiveItem (context: InboundContext, index: number, item: ShareItem, request: ShareRequest): Promise<ShareItemResult> {
  const claimedId = typeof item.signed?.record?.id === 'string' ? item.signed.record.id : undefined
  try {
    const record = await verifySignedRecord(item.signed, context.resolveKey)
    await expandRecord(record)

    if (record.provenance.jurisdiction === context.jurisdiction || item.hops.some(h => h.jurisdiction === context.jurisdiction)) {
      throw new errors.RecordNotOwnedError(`record \`${record.id}\` originated at or already passed through ${context.jurisdiction}; a node does not take back its own records`)
    }

    const stored: StoredRecord = {
      // Only the record and its signature are kept: nothing unsigned travels on from here.
      signed: { record, signature: { protected: item.signed.signature.protected, signature: item.signed.signature.signature } },
      origin: 'received',
      receivedFrom: request.sender,
      hops: [...item.hops, { jurisdiction: request.sender, at: request.sentAt }],
      storedAt: context.now().toISOString()
    }
    let unchanged = false
    await context.store.commit({
      record: stored,
      precondition: (existing) => {
        if (existing === undefined) return
        if (existing.signed.record.versionHash === record.versionHash) {
          unchanged = true
          throw new Unchanged()
        }
        if (!isNewer(record, existing.signed.record)) {
          throw new errors.RecordStaleError(`record \`${record.id}\` modified ${record.provenance.modified} is not newer than the stored version modified ${existing.signed.record.provenance.modified}`)
        }
      },
      audit: [{ event: 'record.received', recordId: record.id, recordType: record.type, versionHash: record.versionHash, peer: request.sender, messageId: request.messageId, detail: `signed by ${record.provenance.jurisdiction}, via ${stored.hops.map(h => h.jurisdiction).join(' > ')}` }]
    }).catch((err: unknown) => {
      if (!(err instanceof Unchanged)) throw err
    })

    if (unchanged) return { index, id: record.id, versionHash: record.versionHash, status: 'unchanged' }
    context.log.info({ recordId: record.id, peer: request.sender, messageId: request.messageId }, 'record received')
    return { index, id: record.id, versionHash: record.versionHash, status: 'stored' }
  } catch (err) {
    const error = err instanceof NfpError ? err : new errors.InternalError('record could not be processed', { cause: err })
    return { index, ...(claimedId === undefined ? {} : { id: claimedId }), status: 'rejected', code: error.code, message: error.message }
  }
}

/** Aborts a commit whose record is already stored in the same version; not an error to report. */
class Unchanged extends Error {}

/**
 * Orders versions by `provenance.modified` as instants, not as text, so equal times written
 * with another offset or precision compare equal. Equal times fall back to the version hash,
 * so every node keeps the same one of two versions stamped at the same instant.
 */
function isNewer (incoming: NfpRecord, stored: NfpRecord): boolean {
  const a = Date.parse(incoming.provenance.modified)
  const b = Date.parse(stored.provenance.modified)
  if (a !== b) return a > b
  return incoming.versionHash > stored.versionHash
}

function countCodes (results: ShareItemResult[]): string {
  const counts = new Map<string, number>()
  for (const r of results) counts.set(r.code ?? 'unknown', (counts.get(r.code ?? 'unknown') ?? 0) + 1)
  return Array.from(counts, ([code, n]) => `${code} x${n}`).join(', ')
}
