import { randomUUID } from 'node:crypto'
import type { ConformanceTest, SuiteContext } from '../suite.ts'
import { check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { REQUEST, requestMessageSignatureProblem, send, signRequestMessage, targetFirearm, verifyRecord } from './helpers.ts'
import { requestContent } from './requests.ts'

/** The closed list of refusal grounds of Directive (EU) 2023/977 Art. 6(1), as SPEC section 9.2 names them. */
export const REFUSAL_GROUNDS = [
  'NOT_AVAILABLE', 'REQUEST_INVALID', 'JUDICIAL_AUTH_REFUSED', 'PD_CATEGORY_NOT_ALLOWED', 'DATA_QUALITY', 'NATIONAL_SECURITY',
  'JEOPARDISE_INVESTIGATION_OR_SAFETY', 'LEGAL_PERSON_INTERESTS', 'MINOR_OFFENCE', 'NOT_AN_OFFENCE', 'NO_ORIGINATOR_CONSENT'
]

/** A case the responder opened for a request of the test member, shared by the tests below. */
interface OpenCase {
  requestId: string
  caseId: string
  permittedId: string
  heldId: string
}

// These tests drive the responder's side through the reference node's case API (a person's
// decisions) and rely on the EU base rule EU-REQ-HC-03, under which an H3 record needs a legal
// officer's decision before it can be provided.

async function sendMessage (ctx: SuiteContext, message: Record<string, unknown>): Promise<Record<string, any>> {
  const signed = signRequestMessage(ctx, { messageId: randomUUID(), sender: ctx.member.jurisdiction, receiver: ctx.target.jurisdiction, sentAt: new Date().toISOString(), ...message })
  const exchange = await send(ctx, REQUEST, signed)
  check('reply' in exchange, `no reply to a ${String(message.type)} message: ${'noReply' in exchange ? exchange.noReply : ''}`)
  check(exchange.reply.type === 'ack', `expected an ack to the ${String(message.type)} message, got ${show(exchange.reply)}`)
  return exchange.reply
}

async function waitForMessage (ctx: SuiteContext, type: string, requestId: string, timeoutMs: number): Promise<Record<string, any> | undefined> {
  const frame = await ctx.peer.waitFor(f => f.protocol === REQUEST && (f.message as Record<string, unknown>).type === type && (f.message as Record<string, unknown>).requestId === requestId, timeoutMs)
  return frame?.message as Record<string, any> | undefined
}

export function requestCycleTests (): ConformanceTest[] {
  let opened: OpenCase | undefined
  const needCase = (): OpenCase => {
    check(opened !== undefined, `needs the case that test REQ-9.4-2 opens, which failed`)
    return opened
  }
  return [
    {
      id: 'REQ-9.4-2',
      ...requirement('REQ-9.4-2'),
      run: async (ctx) => {
        const permitted = targetFirearm(ctx, 'requested-h0')
        const held = targetFirearm(ctx, 'requested-h3', { handlingCode: 'H3', handlingConditions: 'Originator only (conformance test)' })
        for (const draft of [permitted, held]) {
          const ingested = await ctx.api.ingest(draft)
          check(ingested.status === 201, `setting up: POST /records returned status ${ingested.status}: ${show(ingested.body)}`)
        }
        const requestId = randomUUID()
        const ack = await sendMessage(ctx, { type: 'request', requestId, content: requestContent(ctx, { urgent: false, ids: [String(permitted.id), String(held.id)] }) })
        check(ack.clock?.pausedSince !== undefined && ack.clock.pauseReason === 'approval', `the ack's clock is not paused for approval: ${show(ack.clock)}`)
        const notice = await waitForMessage(ctx, 'delay-notice', requestId, 15000)
        check(notice !== undefined, 'no delay-notice reached the requester within 15 s')
        check(notice.clock?.pausedSince !== undefined && Number.isFinite(notice.expectedDelayHours), `delay-notice ${show(notice)} carries no paused clock or expected delay`)
        opened = { requestId, caseId: `${ctx.member.jurisdiction.toLowerCase()}-${requestId}`, permittedId: String(permitted.id), heldId: String(held.id) }
        return `delay of ${String(notice.expectedDelayHours)} h announced`
      }
    },
    {
      id: 'REQ-9.4-1',
      ...requirement('REQ-9.4-1'),
      run: async (ctx) => {
        const c = needCase()
        const answered = await ctx.api.call('POST', `/cases/${encodeURIComponent(c.caseId)}/answer`, { actor: 'nfp-conformance' })
        const answer = await waitForMessage(ctx, 'answer', c.requestId, 1500)
        check(answer === undefined, `an answer reached the requester while an item awaited approval: ${show(answer)}`)
        check(answered.status === 409 && answered.body?.code === 'ERR_CASE_STATE', `POST /cases/{id}/answer returned status ${answered.status} ${show(answered.body?.code)}, expected 409 ERR_CASE_STATE`)
      }
    },
    {
      id: 'REQ-9.4-3',
      ...requirement('REQ-9.4-3'),
      run: async (ctx) => {
        const c = needCase()
        const got = await ctx.api.caseOf(c.caseId)
        check(got.status === 200, `GET /cases/{id} returned status ${got.status}`)
        const heldItem = (got.body.items as Array<{ itemId: string, recordId: string }>).find(i => i.recordId === c.heldId)
        check(heldItem !== undefined, `the case has no item for ${c.heldId}: ${show(got.body.items)}`)
        const refused = await ctx.api.call('POST', `/cases/${encodeURIComponent(c.caseId)}/items/${heldItem.itemId}/refuse`, { ground: 'JEOPARDISE_INVESTIGATION_OR_SAFETY', note: 'Refused by the conformance suite acting as the legal officer.', actor: 'nfp-conformance' })
        check(refused.status === 200, `refusing the item returned status ${refused.status}: ${show(refused.body)}`)
        const answered = await ctx.api.call('POST', `/cases/${encodeURIComponent(c.caseId)}/answer`, { actor: 'nfp-conformance' })
        check(answered.status === 200, `POST /cases/{id}/answer returned status ${answered.status}: ${show(answered.body)}`)
        const answer = await waitForMessage(ctx, 'answer', c.requestId, 15000)
        check(answer !== undefined, 'no answer reached the requester within 15 s')
        check(answer.outcome === 'partly-refused', `answer outcome is ${show(answer.outcome)}, expected partly-refused`)
        const records = answer.records as unknown[]
        check(Array.isArray(records) && records.length === 1, `answer carries ${show(records?.length)} records, expected 1`)
        const { record } = await verifyRecord(ctx, records[0]).catch((err: Error) => { check(false, `the provided record does not verify under its originator's key: ${err.message}`) })
        check(record.id === c.permittedId, `the provided record is ${record.id}, expected ${c.permittedId}`)
        const refusal = (answer.refusals as Array<{ recordId?: string, ground?: string }>).find(r => r.recordId === c.heldId)
        check(refusal !== undefined && REFUSAL_GROUNDS.includes(String(refusal.ground)), `no refusal with an Art. 6(1) ground for ${c.heldId}: ${show(answer.refusals)}`)
        check(answer.clock !== undefined, 'the answer carries no clock')
        return `answered with ${record.id}, refused ${c.heldId} on ${String(refusal.ground)}`
      }
    },
    {
      id: 'REQ-9.3-4',
      ...requirement('REQ-9.3-4'),
      run: async (ctx) => {
        const requestId = randomUUID()
        const ack = await sendMessage(ctx, { type: 'request', requestId, content: requestContent(ctx, { urgent: false }) })
        check(ack.clock !== undefined && ack.clock.pausedSince === undefined, `the new request's clock should run: ${show(ack.clock)}`)
        const caseId = `${ctx.member.jurisdiction.toLowerCase()}-${requestId}`
        const asked = await ctx.api.call('POST', `/cases/${encodeURIComponent(caseId)}/clarification`, { question: 'Conformance test: which pistol do you mean?' })
        check(asked.status === 200, `POST /cases/{id}/clarification returned status ${asked.status}: ${show(asked.body)}`)
        const question = await waitForMessage(ctx, 'clarification-request', requestId, 15000)
        check(question !== undefined, 'no clarification-request reached the requester within 15 s')
        check(question.clock?.pausedSince !== undefined && question.clock.pauseReason === 'clarification', `the clarification-request's clock is not paused for clarification: ${show(question.clock)}`)
        await sendMessage(ctx, { type: 'clarification-answer', requestId, answer: 'The pistol with the serial number in the request.' })
        const after = await ctx.api.caseOf(caseId)
        check(after.status === 200 && after.body.clock?.pausedSince === undefined, `after the clarification-answer the clock should run again: ${show(after.body?.clock)}`)
        check(Number(after.body.clock.pausedMs) >= 0 && after.body.deadline !== undefined, `the case has no deadline after the clock resumed: ${show(after.body)}`)
        return `clock resumed, deadline ${String(after.body.deadline)}`
      }
    },
    {
      id: 'REQ-9.5-4',
      ...requirement('REQ-9.5-4'),
      run: async (ctx) => {
        // Runs after the tests above, which make the node send a delay-notice, an answer and a
        // clarification-request to the test member.
        const sent = ctx.peer.inbound.filter(f => f.protocol === REQUEST).map(f => f.message as Record<string, unknown>)
        check(sent.length > 0, 'the node sent no request message to the test member during the run')
        for (const message of sent) {
          const problem = requestMessageSignatureProblem(ctx, message)
          check(problem === undefined, `${String(message.type)} message ${String(message.messageId)}: ${String(problem)}`)
        }
        return `${sent.length} messages verified: ${[...new Set(sent.map(m => String(m.type)))].sort().join(', ')}`
      }
    }
  ]
}
