import { randomUUID } from 'node:crypto'
import type { ConformanceTest, SuiteContext } from '../suite.ts'
import { check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { REQUEST, send, shareRecord, signAsMember, signRequestMessage, memberFirearm } from './helpers.ts'

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
  const message = signRequestMessage(ctx, { type: 'request', messageId: randomUUID(), requestId, sender: ctx.member.jurisdiction, receiver: ctx.target.jurisdiction, sentAt: new Date().toISOString(), content })
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

/** Sends a request message frame as given and expects an error frame with `code`. Fails when the message opened a case. */
async function expectMessageRejected (ctx: SuiteContext, message: Record<string, unknown>, code: string): Promise<string> {
  const exchange = await send(ctx, REQUEST, message)
  check('reply' in exchange, `expected an error frame with ${code}, got no reply (${'noReply' in exchange ? exchange.noReply : ''})`)
  check(exchange.reply.type === 'error' && exchange.reply.code === code, `expected an error frame with ${code}, got ${show(exchange.reply)}`)
  const opened = await ctx.api.caseOf(`${ctx.member.jurisdiction.toLowerCase()}-${String(message.requestId)}`)
  check(opened.status === 404, `GET /cases/{id} returned status ${opened.status}; the rejected request must open no case`)
  return `error frame ${code}, no case opened`
}

function requestMessage (ctx: SuiteContext): Record<string, unknown> {
  return { type: 'request', messageId: randomUUID(), requestId: randomUUID(), sender: ctx.member.jurisdiction, receiver: ctx.target.jurisdiction, sentAt: new Date().toISOString(), content: requestContent(ctx, { urgent: false }) }
}

/** Tests of message signatures (SPEC section 9.5) and of messages that arrive twice (section 9.6). */
export function requestSignatureTests (): ConformanceTest[] {
  return [
    {
      id: 'REQ-9.5-1',
      ...requirement('REQ-9.5-1'),
      run: async (ctx) => await expectMessageRejected(ctx, requestMessage(ctx), 'ERR_FRAME_MALFORMED')
    },
    {
      id: 'REQ-9.5-2/altered',
      ...requirement('REQ-9.5-2'),
      title: `${requirement('REQ-9.5-2').title} [purpose changed after signing]`,
      run: async (ctx) => {
        const signed = signRequestMessage(ctx, requestMessage(ctx))
        const content = signed.content as Record<string, any>
        const altered = { ...signed, content: { ...content, purpose: { ...content.purpose, description: 'Changed after signing' } } }
        return await expectMessageRejected(ctx, altered, 'ERR_SIG_INVALID')
      }
    },
    {
      id: 'REQ-9.5-2/other-key',
      ...requirement('REQ-9.5-2'),
      title: `${requirement('REQ-9.5-2').title} [signed by another key under the sender's kid]`,
      run: async (ctx) => {
        const forged = signRequestMessage(ctx, requestMessage(ctx), { kid: ctx.member.signing.kid, privateJwk: ctx.otherKey.privateJwk })
        return await expectMessageRejected(ctx, forged, 'ERR_SIG_INVALID')
      }
    },
    {
      id: 'REQ-9.5-3',
      ...requirement('REQ-9.5-3'),
      run: async (ctx) => await expectMessageRejected(ctx, signRequestMessage(ctx, requestMessage(ctx), ctx.otherKey), 'ERR_SIG_UNKNOWN_KEY')
    },
    {
      id: 'REQ-9.6-1',
      ...requirement('REQ-9.6-1'),
      run: async (ctx) => {
        const signed = signRequestMessage(ctx, requestMessage(ctx))
        const first = await send(ctx, REQUEST, signed)
        check('reply' in first && first.reply.type === 'ack', `expected an ack, got ${show('reply' in first ? first.reply : first.noReply)}`)
        await new Promise(resolve => setTimeout(resolve, 50))
        const again = await send(ctx, REQUEST, signed)
        check('reply' in again && again.reply.type === 'ack', `expected an ack to the resent message, got ${show('reply' in again ? again.reply : again.noReply)}`)
        check(JSON.stringify(again.reply) === JSON.stringify(first.reply), `the resent message got ${show(again.reply)}, the first ${show(first.reply)}`)
        return `same acknowledgement, received at ${String(first.reply.receivedAt)}`
      }
    }
  ]
}
