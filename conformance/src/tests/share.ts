import { canonicalize, signHopBatch } from '@ceasefire/protocol'
import type { Hop } from '@ceasefire/protocol'
import type { ConformanceTest } from '../suite.ts'
import { check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { strangerExchange } from '../peer.ts'
import { compactJws } from '../vectors/jws.ts'
import {
  SHARE, expectNotStored, expectStored, memberFirearm, memberKey, recordItem, shareOk, shareRecord, shareRequest, signAsMember, targetFirearm, verifyRecord, verifyTargetHop, verifyTargetStatement
} from './helpers.ts'

export function shareTests (): ConformanceTest[] {
  return [
    {
      id: 'SHARE-6.1-1',
      ...requirement('SHARE-6.1-1'),
      run: async (ctx) => {
        const exchange = await strangerExchange(ctx.target.multiaddr, SHARE, shareRequest(ctx, [{ kind: 'revocation', revocation: 'x' }]))
        check('noReply' in exchange, `a peer outside the membership got a reply: ${show('reply' in exchange ? exchange.reply : undefined)}`)
        return exchange.noReply.slice(0, 120)
      }
    },
    {
      id: 'SHARE-6.5-1',
      ...requirement('SHARE-6.5-1'),
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'receipt'))
        const { request, result } = await shareOk(ctx, [await recordItem(ctx, signed)])
        check(typeof result.receipt === 'string', `share-result has no receipt: ${show(result)}`)
        const receipt = await verifyTargetStatement<{ messageId: string, sender: string, seqFrom: number, seqTo: number, results: unknown }>(ctx, 'receipt', result.receipt as string)
          .catch((err: Error) => { check(false, `receipt does not verify under the receiver's key: ${err.message}`) })
        check(receipt.by === ctx.target.jurisdiction, `receipt is by ${receipt.by}, not by the receiver ${ctx.target.jurisdiction}`)
        check(receipt.messageId === request.messageId && receipt.sender === ctx.member.jurisdiction, `receipt names message ${receipt.messageId} from ${receipt.sender}`)
        check(receipt.seqFrom === request.seqFrom && receipt.seqTo === request.seqFrom, `receipt covers ${receipt.seqFrom}..${receipt.seqTo}, sent ${String(request.seqFrom)}..${String(request.seqFrom)}`)
        check(canonicalize(receipt.results) === canonicalize(result.results), `receipt results ${show(receipt.results)} differ from the results sent ${show(result.results)}`)
        ctx.stored.set('receipt', { id: String(signed.record.id), versionHash: String(signed.record.versionHash) })
        return `receipt by ${receipt.by} over seq ${receipt.seqFrom}`
      }
    },
    {
      id: 'SHARE-6.5-2',
      ...requirement('SHARE-6.5-2'),
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'twice'))
        const first = await shareRecord(ctx, signed)
        check(first.status === 'stored', `first delivery: expected stored, got ${show(first)}`)
        const second = await shareRecord(ctx, signed)
        check(second.status === 'unchanged', `second delivery: expected unchanged, got ${show(second)}`)
        await expectStored(ctx, String(signed.record.id), String(signed.record.versionHash))
      }
    },
    {
      id: 'SHARE-6.6-1/last-hop-elsewhere',
      ...requirement('SHARE-6.6-1'),
      title: `${requirement('SHARE-6.6-1').title} [last hop addressed to another node]`,
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'path-to'))
        const other = ctx.target.jurisdiction === 'XO' ? 'XP' : 'XO'
        const { result } = await shareOk(ctx, [await recordItem(ctx, signed, { to: other })])
        const item = result.results[0]
        check(item?.status === 'rejected' && item.code === 'ERR_RECORD_PATH_INVALID', `expected rejected with ERR_RECORD_PATH_INVALID, got ${show(item)}`)
        await expectNotStored(ctx, String(signed.record.id))
      }
    },
    {
      id: 'SHARE-6.6-1/hop-other-version',
      ...requirement('SHARE-6.6-1'),
      title: `${requirement('SHARE-6.6-1').title} [hop signed over another version]`,
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'path-version'))
        const { result } = await shareOk(ctx, [await recordItem(ctx, signed, { versionHash: 'sha256:' + '1'.repeat(64) })])
        const item = result.results[0]
        check(item?.status === 'rejected' && item.code === 'ERR_RECORD_PATH_INVALID', `expected rejected with ERR_RECORD_PATH_INVALID, got ${show(item)}`)
        await expectNotStored(ctx, String(signed.record.id))
      }
    },
    {
      id: 'SHARE-6.6-1/hop-batch',
      ...requirement('SHARE-6.6-1'),
      title: `${requirement('SHARE-6.6-1').title} [hops of one batch statement, proofs swapped, then as signed]`,
      run: async (ctx) => {
        const first = signAsMember(ctx, memberFirearm(ctx, 'hop-batch-a'))
        const second = signAsMember(ctx, memberFirearm(ctx, 'hop-batch-b', { serialNumber: `CONF-B-${ctx.runId}` }))
        const at = new Date().toISOString()
        const key = { privateKey: ctx.member.signing.privateKey, kid: ctx.member.signing.kid }
        const [hopA, hopB] = await signHopBatch([first, second].map(s => ({ recordId: String(s.record.id), versionHash: String(s.record.versionHash) })), key, { by: ctx.member.jurisdiction, to: ctx.target.jurisdiction, at }) as [Hop, Hop]

        // Each record carries the other's leaf position and proof under the same signed statement.
        const swapped = await shareOk(ctx, [
          { kind: 'record', signed: first, hops: [{ ...hopA, index: hopB.index, proof: hopB.proof }] },
          { kind: 'record', signed: second, hops: [{ ...hopB, index: hopA.index, proof: hopA.proof }] }
        ])
        for (const item of swapped.result.results as Array<Record<string, any>>) {
          check(item.status === 'rejected' && item.code === 'ERR_RECORD_PATH_INVALID', `swapped proof: expected rejected with ERR_RECORD_PATH_INVALID, got ${show(item)}`)
        }
        await expectNotStored(ctx, String(first.record.id))

        const signedAsIs = await shareOk(ctx, [{ kind: 'record', signed: first, hops: [hopA] }, { kind: 'record', signed: second, hops: [hopB] }])
        for (const item of signedAsIs.result.results as Array<Record<string, any>>) {
          check(item.status === 'stored', `hop as signed: expected stored, got ${show(item)}`)
        }
        await expectStored(ctx, String(second.record.id), String(second.record.versionHash))
      }
    },
    {
      id: 'SHARE-6.6-2',
      ...requirement('SHARE-6.6-2'),
      run: async (ctx) => {
        const older = memberFirearm(ctx, 'stale')
        const newerDraft = { ...older, model: '19 Gen 5', provenance: { ...(older.provenance as object), modified: new Date(Date.now() + 1000).toISOString() } }
        const newer = signAsMember(ctx, newerDraft)
        const stale = signAsMember(ctx, older)
        const first = await shareRecord(ctx, newer)
        check(first.status === 'stored', `newer version: expected stored, got ${show(first)}`)
        const second = await shareRecord(ctx, stale)
        check(second.status === 'rejected' && second.code === 'ERR_RECORD_STALE', `older version: expected rejected with ERR_RECORD_STALE, got ${show(second)}`)
        await expectStored(ctx, String(newer.record.id), String(newer.record.versionHash))
      }
    },
    {
      id: 'SHARE-6.4-1',
      ...requirement('SHARE-6.4-1'),
      run: async (ctx) => {
        const draft = targetFirearm(ctx, 'outbound')
        const ingested = await ctx.api.ingest(draft)
        check(ingested.status === 201, `POST /records answered ${ingested.status}: ${show(ingested.body)}`)
        const shared = await ctx.api.share(String(draft.id), ctx.member.jurisdiction)
        check(shared.status === 200 || shared.status === 202, `POST /records/{id}/share answered ${shared.status}: ${show(shared.body)}`)
        const frame = await ctx.peer.waitFor(f => f.protocol === SHARE && hasRecord(f.message, String(draft.id)), 15000)
        check(frame !== undefined, `no share frame with ${String(draft.id)} reached the test member within 15 s`)
        const message = frame.message as Record<string, any>
        check(message.sender === ctx.target.jurisdiction && message.receiver === ctx.member.jurisdiction, `frame is from ${show(message.sender)} to ${show(message.receiver)}`)
        const item = (message.items as Array<Record<string, any>>).find(i => i.signed?.record?.id === draft.id) as Record<string, any>
        const { record } = await verifyRecord(ctx, item.signed).catch((err: Error) => { check(false, `the record does not verify under the sender's key: ${err.message}`) })
        const hop = (item.hops as Array<Record<string, any>>).at(-1)
        check(hop?.jurisdiction === ctx.target.jurisdiction && hop.to === ctx.member.jurisdiction, `last hop is ${show(hop)}`)
        // The hop verifier checks the statement's to and at against the hop, and the proof against this record version.
        await verifyTargetHop(ctx, hop, record).catch((err: Error) => { check(false, `hop does not verify for ${record.id} at ${record.versionHash}: ${err.message}`) })
        return `received ${record.id}, API status ${shared.status}`
      }
    },
    {
      id: 'SHARE-6.7-1',
      ...requirement('SHARE-6.7-1'),
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'revoke'))
        const stored = await shareRecord(ctx, signed)
        check(stored.status === 'stored', `expected stored, got ${show(stored)}`)
        const id = String(signed.record.id)
        const revocation = compactJws({ by: ctx.member.jurisdiction, recordId: id, reason: 'conformance test revocation', at: new Date().toISOString() }, 'nfp-revocation+jws', memberKey(ctx))
        const { result } = await shareOk(ctx, [{ kind: 'revocation', revocation }])
        check(result.results[0]?.status === 'deleted', `expected deleted, got ${show(result.results[0])}`)
        await expectNotStored(ctx, id)
        const frame = await ctx.peer.waitFor(f => f.protocol === SHARE && hasDeletion(f.message), 15000)
        check(frame !== undefined, 'no deletion statement reached the originator within 15 s')
        const items = (frame.message as { items: Array<{ kind: string, deletion?: string }> }).items.filter(i => i.kind === 'deletion')
        const statements = await Promise.all(items.map(async i => await verifyTargetStatement<{ recordId: string, originator: string }>(ctx, 'deletion', i.deletion as string)))
        check(statements.some(s => s.recordId === id && s.originator === ctx.member.jurisdiction && s.by === ctx.target.jurisdiction), `deletion statements ${show(statements)} do not confirm ${id}`)
      }
    },
    {
      id: 'SHARE-6.2-1',
      ...requirement('SHARE-6.2-1'),
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'typ-swap'))
        const stored = await shareRecord(ctx, signed)
        check(stored.status === 'stored', `setting up: expected stored, got ${show(stored)}`)
        const id = String(signed.record.id)
        const asDeletion = compactJws({ by: ctx.member.jurisdiction, recordId: id, reason: 'revocation signed as a deletion statement', at: new Date().toISOString() }, 'nfp-deletion+jws', memberKey(ctx))
        const { result } = await shareOk(ctx, [{ kind: 'revocation', revocation: asDeletion }])
        const item = result.results[0]
        check(item?.status === 'rejected' && item.code === 'ERR_SIG_INVALID', `expected rejected with ERR_SIG_INVALID, got ${show(item)}`)
        await expectStored(ctx, id, String(signed.record.versionHash))
      }
    },
    {
      id: 'SHARE-6.2-2',
      ...requirement('SHARE-6.2-2'),
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'other-name'))
        const stored = await shareRecord(ctx, signed)
        check(stored.status === 'stored', `setting up: expected stored, got ${show(stored)}`)
        const id = String(signed.record.id)
        // The test member signs with its own key but names the node under test as the signer.
        const forged = compactJws({ by: ctx.target.jurisdiction, recordId: id, reason: 'statement in another member\'s name', at: new Date().toISOString() }, 'nfp-revocation+jws', memberKey(ctx))
        const { result } = await shareOk(ctx, [{ kind: 'revocation', revocation: forged }])
        const item = result.results[0]
        check(item?.status === 'rejected' && item.code === 'ERR_SIG_UNKNOWN_KEY', `expected rejected with ERR_SIG_UNKNOWN_KEY, got ${show(item)}`)
        await expectStored(ctx, id, String(signed.record.versionHash))
      }
    },
    {
      id: 'SHARE-6.7-2',
      ...requirement('SHARE-6.7-2'),
      run: async (ctx) => {
        const foreign = `urn:nfp:${ctx.target.jurisdiction.toLowerCase()}:firearm:not-yours-${ctx.runId}`
        const revocation = compactJws({ by: ctx.member.jurisdiction, recordId: foreign, reason: 'revoking what another member originated', at: new Date().toISOString() }, 'nfp-revocation+jws', memberKey(ctx))
        const { result } = await shareOk(ctx, [{ kind: 'revocation', revocation }])
        const item = result.results[0]
        check(item?.status === 'rejected' && item.code === 'ERR_SIG_INVALID', `expected rejected with ERR_SIG_INVALID, got ${show(item)}`)
      }
    }
  ]
}

function hasRecord (message: unknown, id: string): boolean {
  const items = (message as { items?: Array<{ signed?: { record?: { id?: string } } }> }).items
  return Array.isArray(items) && items.some(i => i.signed?.record?.id === id)
}

function hasDeletion (message: unknown): boolean {
  const items = (message as { items?: Array<{ kind?: string }> }).items
  return Array.isArray(items) && items.some(i => i.kind === 'deletion')
}
