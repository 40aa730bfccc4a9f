import { NfpError, checkRecordJsonLd, errors, verifyStatement } from '@ceasefire/protocol'
import type {
  DeletionItem, Hop, HopVerifier, KeyResolver, Membership, NfpRecord, RecordItem, RecordVerifier, RevocationItem, ShareItem, ShareItemResult, ShareRequest, ShareResponse, SigningKey
} from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { NodeComponents } from './components.ts'
import type { Decision, PolicyModule } from './policy/index.ts'
import type { AuditDraft, NodeStore, RecordWrite, RemovedField, StoredRecord } from './store/store.ts'

/** Dependencies of the inbound path on the node. */
export interface InboundContext {
  jurisdiction: string
  membership: Membership
  store: NodeStore
  policy: PolicyModule
  resolveKey: KeyResolver
  /** Verifies signed records of either signature version, caching verified batch roots. */
  verifyRecord: RecordVerifier
  /** Verifies one hop of a record's path, caching verified hop batch statements. */
  verifyHop: HopVerifier
  signingKey: { privateKey: SigningKey, kid: string }
  log: Logger
  now: () => Date
  /** Called after a revocation deleted a record here, so the node can pass it on and confirm it. */
  onDeleted: (recordId: string, revocation: string, reason: string) => Promise<void>
  /** Called with a verified deletion receipt that names this node as the originator. */
  onDeletionReceipt: (statement: DeletionStatement, jws: string) => Promise<void>
  /** Called with the records the frame stored, once they are on disk and the receipt is signed. */
  onStored: (records: NfpRecord[]) => Promise<void>
  /** Record verification, inbound policy and receipt signing. */
  components: Pick<NodeComponents, 'evaluateInbound' | 'signReceipt'>
}

export interface RevocationStatement {
  by: string
  recordId: string
  reason: string
  at: string
}

export interface DeletionStatement {
  by: string
  recordId: string
  originator: string
  reason: string
  at: string
}

/** A received record kept out of the store until a person approves it, as the inbound policy requires. */
export interface HeldRecord {
  stored: StoredRecord
  decision: Decision
  messageId: string
  heldAt: string
}

/** Maximum number of rejected record ids named in the one audit entry that sums up a message's rejections. */
const MAX_IDS_IN_REJECTION_ENTRY = 10
// The record id form of SPEC section 3.1, with the type name bounded to 64 letters, which no
// record type exceeds.
const REPORTABLE_ID = /^urn:nfp:[a-z]{2}:[a-z]{1,64}:[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/**
 * Handles a share request from an authenticated peer and returns the results with a receipt
 * signed by this node. Every item is verified before anything is stored. The accepted records
 * of a frame are committed together in one synced batch, each with its own audit entries, and
 * the batch also moves the sender's cursor. A record whose version check fails inside that
 * batch is left out with its audit entries, so nothing of it is half-written. Rejections of one
 * message share a single audit entry, so a hostile member cannot grow the log by one entry per
 * junk item.
 */
export async function receiveShare (context: InboundContext, request: ShareRequest, remotePeerId: string): Promise<ShareResponse> {
  const sender = context.membership.members.find(m => m.peerId === remotePeerId)
  if (sender === undefined || sender.jurisdiction !== request.sender || request.receiver !== context.jurisdiction) {
    await context.store.commit({ audit: [{ event: 'share.refused', peer: sender?.jurisdiction ?? remotePeerId, messageId: request.messageId, code: errors.PeerIdentityMismatchError.code }] })
    context.log.warn({ peer: sender?.jurisdiction ?? remotePeerId, messageId: request.messageId }, 'share message names another sender or receiver than its connection')
    return { type: 'error', messageId: request.messageId, code: errors.PeerIdentityMismatchError.code, message: `connection is authenticated as ${sender?.jurisdiction ?? 'a non-member'} to ${context.jurisdiction}, but the message says ${request.sender} to ${request.receiver}` }
  }

  // Record items are checked concurrently, so their WebCrypto signature checks can overlap.
  // Nothing is written until every item is checked.
  const checks = await Promise.all(request.items.map(async (item) => {
    if (item.kind !== 'record') return undefined
    return await checkRecordItem(context, item, request).then(value => ({ value }), (err: unknown) => ({ err }))
  }))

  const results: ShareItemResult[] = []
  const batch = new FrameBatch(context, request)
  for (const [index, item] of request.items.entries()) {
    try {
      const check = checks[index]
      if (check === undefined) {
        // A revocation may delete a record stored earlier in this frame, so those go first.
        await batch.flush(index - 1, results)
        if (item.kind === 'revocation') {
          results[index] = await receiveRevocation(context, index, item, request)
          batch.forget(results[index].id)
        } else {
          results[index] = await receiveDeletion(context, index, item as DeletionItem)
        }
      } else if ('err' in check) {
        throw check.err
      } else if (check.value.decision.effect === 'require-approval') {
        await batch.flush(index - 1, results)
        results[index] = await holdRecord(context, index, check.value, request)
      } else {
        batch.add(index, check.value, results)
      }
    } catch (err) {
      results[index] = rejectedResult(index, item, err)
    }
  }
  await batch.flush(request.items.length - 1, results, true)

  const seqTo = request.seqFrom + request.items.length - 1
  const receipt = await context.components.signReceipt({
    by: context.jurisdiction,
    messageId: request.messageId,
    sender: request.sender,
    seqFrom: request.seqFrom,
    seqTo,
    results,
    at: context.now().toISOString()
  }, context.signingKey)
  // Linking and triage queue up only now, so their work does not delay the receipt.
  if (batch.stored.length > 0) await context.onStored(batch.stored)
  return { type: 'share-result', messageId: request.messageId, receiver: context.jurisdiction, results, receipt }
}

/** A record item that passed every check that needs no stored state, with the inbound decision. */
interface CheckedRecord {
  record: NfpRecord
  item: RecordItem
  decision: Decision
  decisionAudit: AuditDraft
  /** Units removed from the record on its way, each with the node that removed it. */
  removed: RemovedField[]
  /** The `removedFields` member of the audit entries, or nothing when no unit was removed. */
  removedFields: { removedFields?: string[] }
}

/**
 * Verifies a record item and decides on it under the inbound policy: the originator's
 * signature, the record schema and version hash, the JSON-LD form, ownership and the signed
 * path. Nothing is written.
 *
 * NOTE: this is the one call that verifies a received record, so a new signature scheme plugs in
 * here. The replication benchmark measures whatever it does.
 */
async function checkRecordItem (context: InboundContext, item: RecordItem, request: ShareRequest): Promise<CheckedRecord> {
  const { record, removedPaths } = await context.verifyRecord(item.signed)
  await checkRecordJsonLd(record)

  if (record.provenance.jurisdiction === context.jurisdiction || item.hops.slice(0, -1).some(h => h.jurisdiction === context.jurisdiction)) {
    throw new errors.RecordNotOwnedError(`record \`${record.id}\` originated at or already passed through ${context.jurisdiction}; a node does not take back its own records`)
  }
  const removed = await verifyPath(context, record, item.hops, request.sender, removedPaths)

  const decision = context.components.evaluateInbound(context.policy, record, { self: { jurisdiction: context.jurisdiction }, sender: { jurisdiction: request.sender }, now: context.now() })
  const removedFields = removedPaths.length > 0 ? { removedFields: removedPaths } : {}
  const decisionAudit: AuditDraft = { event: 'policy.decision', recordId: record.id, recordType: record.type, versionHash: record.versionHash, peer: request.sender, messageId: request.messageId, decision: decision.effect, rules: decision.reasons.map(r => r.ruleId), policyHash: decision.module.hash, ...removedFields, detail: 'inbound' }
  return { record, item, decision, decisionAudit, removed, removedFields }
}

function storedCopy (context: InboundContext, checked: CheckedRecord, sender: string): StoredRecord {
  const { record, item, removed } = checked
  return {
    // Only the record and its signature are kept: nothing unsigned travels on from here.
    signed: { record, signature: signatureOf(item) } as StoredRecord['signed'],
    origin: 'received',
    receivedFrom: sender,
    hops: item.hops,
    ...(removed.length > 0 ? { removed } : {}),
    storedAt: context.now().toISOString()
  }
}

/**
 * The accepted and denied records of one frame, waiting to be committed in one batch. `flush`
 * writes them and moves the sender's cursor to the last item they cover. The last flush of a
 * frame also writes the inbox entry and the summary of rejections.
 */
class FrameBatch {
  readonly #context: InboundContext
  readonly #request: ShareRequest
  #entries: Array<{ index: number, write: RecordWrite, checked: CheckedRecord }> = []
  /** Records stored by the flushes so far, in item order. */
  stored: NfpRecord[] = []

  constructor (context: InboundContext, request: ShareRequest) {
    this.#context = context
    this.#request = request
  }

  /** Removes a record from the records to link, because a later item of the frame deleted it. */
  forget (recordId: string | undefined): void {
    this.stored = this.stored.filter(record => record.id !== recordId)
  }

  add (index: number, checked: CheckedRecord, results: ShareItemResult[]): void {
    const { record, decisionAudit } = checked
    if (checked.decision.effect === 'deny') {
      // The decision is logged with the frame, and nothing else of the record is written.
      this.#entries.push({ index, write: { audit: [decisionAudit] }, checked })
      const error = new errors.PolicyDeniedError(`${this.#context.jurisdiction} does not accept \`${record.id}\` from ${this.#request.sender}: denied by ${decisionAudit.rules?.join(', ')}`)
      results[index] = { index, id: record.id, status: 'rejected', code: error.code, message: error.message }
      return
    }
    const write: RecordWrite = {
      record: storedCopy(this.#context, checked, this.#request.sender),
      precondition: (existing) => {
        if (existing === undefined) return
        if (existing.signed.record.versionHash === record.versionHash) throw new Unchanged()
        if (!isNewer(record, existing.signed.record)) {
          throw new errors.RecordStaleError(`record \`${record.id}\` modified ${record.provenance.modified} is not newer than the stored version modified ${existing.signed.record.provenance.modified}`)
        }
      },
      audit: [decisionAudit, { event: 'record.received', recordId: record.id, recordType: record.type, versionHash: record.versionHash, peer: this.#request.sender, messageId: this.#request.messageId, ...checked.removedFields, detail: `signed by ${record.provenance.jurisdiction}, path ${checked.item.hops.map(h => h.jurisdiction).join(' > ')} > ${this.#context.jurisdiction}${describeRemoved(checked.removed)}` }]
    }
    this.#entries.push({ index, write, checked })
  }

  /**
   * Commits the entries added so far with the cursor at item `lastIndex`, and fills in their
   * results. With `final`, also writes the inbox entry and the rejection summary for `results`.
   */
  async flush (lastIndex: number, results: ShareItemResult[], final = false): Promise<void> {
    const entries = this.#entries
    this.#entries = []
    if (entries.length === 0 && !final) return
    const context = this.#context
    const request = this.#request
    const applied = request.seqFrom + lastIndex

    const { skipped } = await context.store.commit({
      records: entries.map(e => e.write),
      writes: lastIndex < 0
        ? []
        : [{ collection: 'cursors', key: `in!${request.sender}`, update: (current?: { applied: number }) => ({ applied: Math.max(current?.applied ?? 0, applied) }) }],
      audit: [],
      complete: (skipped) => {
        fillResults(entries, skipped, results)
        if (!final) return { audit: [] }
        return {
          audit: rejectionAudit(context, request, results),
          inbox: { messageId: request.messageId, sender: request.sender, receivedAt: context.now().toISOString(), results: results.map(r => ({ ...(r.id === undefined ? {} : { id: r.id }), status: r.status, ...(r.code === undefined ? {} : { code: r.code }) })) }
        }
      }
    })
    const stored = entries.filter((e, i) => e.write.record !== undefined && skipped[i] === undefined).map(e => e.checked.record)
    if (stored.length === 0) return
    context.log.info({ peer: request.sender, messageId: request.messageId, stored: stored.length }, 'records received')
    this.stored.push(...stored)
  }
}

/** Sets the result of every batch entry from the error its precondition threw, if any. */
function fillResults (entries: Array<{ index: number, write: RecordWrite, checked: CheckedRecord }>, skipped: Array<unknown | undefined>, results: ShareItemResult[]): void {
  for (const [i, { index, write, checked }] of entries.entries()) {
    if (write.record === undefined) continue
    const { id, versionHash } = checked.record
    const err = skipped[i]
    if (err === undefined) results[index] = { index, id, versionHash, status: 'stored' }
    else if (err instanceof Unchanged) results[index] = { index, id, versionHash, status: 'unchanged' }
    else results[index] = rejectedResult(index, checked.item, err)
  }
}

function rejectedResult (index: number, item: ShareItem, err: unknown): ShareItemResult {
  const error = err instanceof NfpError ? err : new errors.InternalError('item could not be processed', { cause: err })
  const claimed: unknown = item.kind === 'record' ? item.signed?.record?.id : undefined
  // The id of a rejected record is unverified, so the result and the audit log name it only when
  // it has the form of a record id. A peer thus cannot write text of its choice there.
  const id = typeof claimed === 'string' && REPORTABLE_ID.test(claimed) ? claimed : undefined
  return { index, ...(id === undefined ? {} : { id }), status: 'rejected', code: error.code, message: error.message }
}

/** Keeps a record whose inbound decision requires approval out of the store until a person approves it. */
async function holdRecord (context: InboundContext, index: number, checked: CheckedRecord, request: ShareRequest): Promise<ShareItemResult> {
  const { record, decision, decisionAudit } = checked
  // A re-delivery of a version already stored (approved) or already held changes nothing.
  const existing = await context.store.getRecord(record.id)
  if (existing?.signed.record.versionHash === record.versionHash) return { index, id: record.id, versionHash: record.versionHash, status: 'unchanged' }
  const alreadyHeld = await context.store.read<HeldRecord>('quarantine', record.id)
  if (alreadyHeld?.stored.signed.record.versionHash === record.versionHash) return { index, id: record.id, versionHash: record.versionHash, status: 'held' }
  const held: HeldRecord = { stored: storedCopy(context, checked, request.sender), decision, messageId: request.messageId, heldAt: context.now().toISOString() }
  await context.store.commit({
    writes: [{ collection: 'quarantine', key: record.id, value: held }],
    audit: [decisionAudit, { event: 'record.held', recordId: record.id, recordType: record.type, versionHash: record.versionHash, peer: request.sender, messageId: request.messageId, detail: `awaiting approval by ${decision.approvals.map(a => a.approvers.join(' or ')).join('; ')}` }]
  })
  context.log.info({ recordId: record.id, peer: request.sender }, 'record held for approval')
  return { index, id: record.id, versionHash: record.versionHash, status: 'held' }
}

/**
 * Checks the signed path of a record: it starts at the originator, every hop was signed by the
 * node it names for this record version and names the next node, and the last hop is the
 * sender's, addressed to this node. Returns the removed units, each with the first node whose
 * hop declares its removal.
 */
async function verifyPath (context: InboundContext, record: NfpRecord, hops: Hop[], sender: string, removedPaths: string[]): Promise<RemovedField[]> {
  const invalid = (why: string): never => { throw new errors.RecordPathInvalidError(`path of record \`${record.id}\` is invalid: ${why}`) }
  if (hops[0]?.jurisdiction !== record.provenance.jurisdiction) invalid(`it must start at the originator ${record.provenance.jurisdiction}`)
  const last = hops[hops.length - 1] as Hop
  if (last.jurisdiction !== sender || last.to !== context.jurisdiction) invalid(`its last hop must be ${sender} to ${context.jurisdiction}`)

  const seen = new Set<string>()
  const removedBy = new Map<string, string>()
  for (const [i, hop] of hops.entries()) {
    if (seen.has(hop.jurisdiction)) invalid(`${hop.jurisdiction} appears twice`)
    seen.add(hop.jurisdiction)
    const next = hops[i + 1]
    if (next !== undefined && hop.to !== next.jurisdiction) invalid(`hop ${i} goes to ${hop.to} but the next hop is ${next.jurisdiction}`)
    // Checks the hop's batch statement, its leaf for this record version and its key. The removed
    // list is trusted only because it is part of that signed leaf.
    const verified = await context.verifyHop(hop, record).catch((err: unknown) => invalid(`hop ${i}: ${(err as Error).message}`))
    for (const path of verified.removed) {
      // A node cannot claim a removal the copy does not show, because the signature verifier found
      // every removed unit.
      if (!removedPaths.includes(path)) invalid(`hop ${i} declares that ${hop.jurisdiction} removed \`${path}\`, but the record still carries it or never had it`)
      if (!removedBy.has(path)) removedBy.set(path, hop.jurisdiction)
    }
  }
  return removedPaths.map(path => removedBy.has(path) ? { path, by: removedBy.get(path) as string } : { path })
}

/** Copies exactly the members of the signature its version defines, so nothing unsigned is stored. */
function signatureOf (item: RecordItem): StoredRecord['signed']['signature'] {
  const signature = item.signed.signature as unknown as Record<string, unknown>
  if (signature.version === 2) {
    const { version, batch, index, proof, seed, salts, removed } = signature
    const disclosures = seed !== undefined ? { seed } : { salts, removed }
    return { version, batch, index, proof, ...disclosures } as StoredRecord['signed']['signature']
  }
  return { protected: signature.protected, signature: signature.signature } as StoredRecord['signed']['signature']
}

function describeRemoved (removed: RemovedField[]): string {
  if (removed.length === 0) return ''
  return `; removed ${removed.map(r => `${r.path} (${r.by ?? 'by an unknown holder'})`).join(', ')}`
}

async function receiveRevocation (context: InboundContext, index: number, item: RevocationItem, request: ShareRequest): Promise<ShareItemResult> {
  const statement = await verifyStatement<RevocationStatement>('revocation', item.revocation, context.resolveKey)
  const originator = statement.recordId.split(':')[2]?.toUpperCase()
  if (statement.by !== originator) {
    throw new errors.SignatureInvalidError(`revocation of \`${statement.recordId}\` is signed by ${statement.by}, not by its originator ${String(originator)}`)
  }

  const existing = await context.store.getRecord(statement.recordId)
  await context.store.commit({
    deleteRecordId: statement.recordId,
    audit: [{ event: 'record.deleted', recordId: statement.recordId, peer: request.sender, messageId: request.messageId, detail: `revoked by ${statement.by}: ${statement.reason}${existing === undefined ? ' (not held)' : ''}` }]
  })
  context.log.info({ recordId: statement.recordId, peer: request.sender }, 'record deleted on revocation')
  await context.onDeleted(statement.recordId, item.revocation, `revoked by ${statement.by}`)
  return { index, id: statement.recordId, status: 'deleted' }
}

async function receiveDeletion (context: InboundContext, index: number, item: DeletionItem): Promise<ShareItemResult> {
  const statement = await verifyStatement<DeletionStatement>('deletion', item.deletion, context.resolveKey)
  if (statement.originator !== context.jurisdiction) {
    throw new errors.RecordNotOwnedError(`deletion receipt for \`${statement.recordId}\` is addressed to ${statement.originator}, not to ${context.jurisdiction}`)
  }
  await context.onDeletionReceipt(statement, item.deletion)
  return { index, id: statement.recordId, status: 'accepted' }
}

function rejectionAudit (context: InboundContext, request: ShareRequest, results: ShareItemResult[]): AuditDraft[] {
  const rejected = results.filter(r => r.status === 'rejected')
  if (rejected.length === 0) return []
  const ids = rejected.map(r => r.id ?? '(no id)').slice(0, MAX_IDS_IN_REJECTION_ENTRY)
  const codes = countCodes(rejected)
  context.log.warn({ peer: request.sender, messageId: request.messageId, rejected: rejected.length, codes }, 'items rejected')
  return [{
    event: 'record.rejected',
    peer: request.sender,
    messageId: request.messageId,
    code: rejected[0]!.code as string,
    ...(rejected.length === 1 && rejected[0]!.id !== undefined ? { recordId: rejected[0]!.id } : {}),
    detail: `${rejected.length} of ${results.length} items rejected (${codes}): ${ids.join(', ')}${rejected.length > ids.length ? ', …' : ''}`
  }]
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
