import { randomUUID } from 'node:crypto'
import type { ConformanceTest, SuiteContext } from '../suite.ts'
import { check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { personalise, readVectorFiles } from '../vectors/records.ts'
import type { RecordVector } from '../vectors/records.ts'
import { frameBytes } from '../vectors/frames.ts'
import type { FrameVector } from '../vectors/frames.ts'
import { expectNotStored, expectStored, send, shareRecord, signAsMember } from './helpers.ts'
import { requestContent } from './requests.ts'

/**
 * Makes one test per record vector. The test member signs the vector's draft with its own key,
 * applies the vector's mutation and sends it. The test checks the item result and whether the
 * node stored the record.
 */
export function recordVectorTests (): ConformanceTest[] {
  return readVectorFiles<RecordVector>('records').map((vector) => {
    const req = requirement(vector.requirement)
    return {
      id: `${vector.requirement}/record-${vector.id}`,
      ...req,
      section: vector.section,
      title: `${req.title} [vector ${vector.id}]`,
      run: async (ctx: SuiteContext) => {
        const draft = personalise(vector.draft, ctx.member.jurisdiction, ctx.runId)
        const signed = signAsMember(ctx, draft, vector.mutation)
        const result = await shareRecord(ctx, signed)
        const id = String(signed.record.id)
        if (vector.expect.outcome === 'accepted') {
          check(result.status === 'stored', `expected status stored, got ${show(result)}`)
          await expectStored(ctx, id, String(signed.record.versionHash))
          ctx.stored.set(vector.id, { id, versionHash: String(signed.record.versionHash) })
          return `stored ${id}`
        }
        check(result.status === 'rejected' && result.code === vector.expect.code, `expected rejected with ${vector.expect.code}, got ${show(result)}`)
        await expectNotStored(ctx, id)
        return `rejected with ${String(result.code)}`
      }
    }
  })
}

/** Makes one test per frame vector, which sends the frame and expects an error frame with the vector's code. */
export function frameVectorTests (): ConformanceTest[] {
  return readVectorFiles<FrameVector>('frames').map((vector) => {
    const req = requirement(vector.requirement)
    return {
      id: `${vector.requirement}/frame-${vector.id}`,
      ...req,
      section: vector.section,
      title: `${req.title} [vector ${vector.id}]`,
      run: async (ctx: SuiteContext) => {
        const other = ['XO', 'XP'].find(j => j !== ctx.member.jurisdiction && j !== ctx.target.jurisdiction) as string
        const content = requestContent(ctx, { urgent: false })
        const { purpose: _purpose, ...withoutPurpose } = content
        const values = {
          $SENDER: ctx.member.jurisdiction,
          $RECEIVER: ctx.target.jurisdiction,
          $OTHER: other,
          $MESSAGE_ID: randomUUID(),
          $NOW: new Date().toISOString(),
          $SEQ: ctx.nextSeq(0),
          $REQUEST_CONTENT: content,
          $REQUEST_CONTENT_WITHOUT_PURPOSE: withoutPurpose
        }
        const exchange = await send(ctx, vector.protocol, undefined, { raw: frameBytes(vector, values) })
        check('reply' in exchange, `expected an error frame with ${vector.expect.code}, got no reply (${'noReply' in exchange ? exchange.noReply : ''})`)
        const reply = exchange.reply
        check(reply.type === 'error' && reply.code === vector.expect.code, `expected an error frame with ${vector.expect.code}, got ${show(reply)}`)
        if (vector.expect.field !== undefined) check(reply.field === vector.expect.field, `expected field ${vector.expect.field}, got ${show(reply.field)}`)
        return `error frame ${String(reply.code)}`
      }
    }
  })
}
