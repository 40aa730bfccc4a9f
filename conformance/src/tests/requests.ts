import { randomUUID } from 'node:crypto'
import type { ConformanceTest, SuiteContext } from '../suite.ts'
import { check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { REQUEST, send, shareRecord, signAsMember, memberFirearm } from './helpers.ts'

const HOUR_MS = 3_600_000

/** Request content with every element of Directive (EU) 2023/977 Art. 4. */
export function requestContent (ctx: SuiteContext, options: { urgent: boolean, ids?: string[] }): Record<string, unknown> {
  return {
    informationSought: { description: 'Conformance test: records on a pistol', ...(options.ids === undefined ? { fields: { serialNumber: `NO-SUCH-SERIAL-${ctx.runId}` } } : { ids: options.ids }) },
    purpose: { description: 'Conformance test of the request protocol', facts: 'No real case; sent by the conformance suite.', offence: 'Illicit trafficking in firearms (test)' },
    availabilityReasons: 'The conformance suite checks how the node handles requests.',
    urgency: options.urgent ? { urgent: true, ground: 'PUBLIC_SECURITY_THREAT', reasons: 'Conformance test of the urgent time limit.' } : { urgent: false },
    useRestrictions: 'Conformance test only.',
    language: ctx.target.languages[0] ?? 'en',
    europolCopy: { copy: false, reason: 'Conformance test.' }
  }
}

async function sendRequest (ctx: SuiteContext, content: Record<string, unknown>, requestId: string = randomUUID()): Promise<{ requestId: string, reply: Record<string, any> }> {
  const message = { type: 'request', messageId: randomUUID(), requestId, sender: ctx.member.jurisdiction, receiver: ctx.target.jurisdiction, sentAt: new Date().toISOString(), content }
  const exchange = await send(ctx, REQUEST, message)
  check('reply' in exchange, `no reply to a request: ${'noReply' in exchange ? exchange.noReply : ''}`)
  check(exchange.reply.type === 'ack', `expected an ack, got ${show(exchange.reply)}`)
  return { requestId, reply: exchange.reply }
}

function expectLimit (reply: Record<string, any>, hours: number, sentAt: number): string {
  const clock = reply.clock as Record<string, any> | undefined
  check(clock !== undefined, `the ack carries no clock: ${show(reply)}`)
  check(clock.limitHours === hours, `clock limit is ${show(clock.limitHours)} hours, expected ${hours} (clock ${show(clock)})`)
  const received = Date.parse(String(clock.receivedAt))
  check(Math.abs(received - sentAt) < 5 * 60_000, `clock receivedAt ${String(clock.receivedAt)} is not the time of receipt`)
  if (clock.pausedSince === undefined) {
    const deadline = new Date(received + hours * HOUR_MS + Number(clock.pausedMs ?? 0)).toISOString()
    return `deadline ${deadline}`
  }
  return `clock paused (${String(clock.pauseReason)})`
}

export function requestTests (): ConformanceTest[] {
  return [
    {
      id: 'REQ-9.3-1',
      ...requirement('REQ-9.3-1'),
      run: async (ctx) => {
        const sentAt = Date.now()
        const { reply } = await sendRequest(ctx, requestContent(ctx, { urgent: false }))
        return expectLimit(reply, 168, sentAt)
      }
    },
    {
      id: 'REQ-9.3-2',
      ...requirement('REQ-9.3-2'),
      run: async (ctx) => {
        const sentAt = Date.now()
        const { reply } = await sendRequest(ctx, requestContent(ctx, { urgent: true }))
        return expectLimit(reply, 72, sentAt)
      }
    },
    {
      id: 'REQ-9.3-3',
      ...requirement('REQ-9.3-3'),
      run: async (ctx) => {
        // The test member first stores one of its own records at the responder, so the request
        // names a record the responder has directly.
        const signed = signAsMember(ctx, memberFirearm(ctx, 'request-direct'))
        const stored = await shareRecord(ctx, signed)
        check(stored.status === 'stored', `setting up: expected stored, got ${show(stored)}`)
        const sentAt = Date.now()
        const { reply } = await sendRequest(ctx, requestContent(ctx, { urgent: true, ids: [String(signed.record.id)] }))
        return expectLimit(reply, 8, sentAt)
      }
    },
    {
      id: 'REQ-9.2-2',
      ...requirement('REQ-9.2-2'),
      run: async (ctx) => {
        const content = requestContent(ctx, { urgent: false })
        const first = await sendRequest(ctx, content)
        await new Promise(resolve => setTimeout(resolve, 50))
        const again = await sendRequest(ctx, content, first.requestId)
        check(first.reply.clock !== undefined && JSON.stringify(first.reply.clock) === JSON.stringify(again.reply.clock), `the second reply carries clock ${show(again.reply.clock)}, the first ${show(first.reply.clock)}`)
      }
    }
  ]
}
