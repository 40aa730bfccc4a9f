import { randomUUID } from 'node:crypto'
import type { ConformanceTest } from '../suite.ts'
import { check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { REQUEST_V1, SHARE_V1, expectNotStored, memberFirearm, recordItem, send, shareRequest, signAsMember, signRequestMessage } from './helpers.ts'
import { requestContent } from './requests.ts'

/** Tests of how a node answers the previous major version of a protocol (SPEC section 11). */
export function versioningTests (): ConformanceTest[] {
  return [
    {
      id: 'VER-11-1',
      ...requirement('VER-11-1'),
      run: async (ctx) => {
        const signed = signAsMember(ctx, memberFirearm(ctx, 'share-v1'))
        const request = shareRequest(ctx, [await recordItem(ctx, signed)])
        const exchange = await send(ctx, SHARE_V1, request)
        check('reply' in exchange, `expected an error frame, got no reply (${'noReply' in exchange ? exchange.noReply : ''})`)
        check(exchange.reply.type === 'error' && exchange.reply.code === 'ERR_PROTOCOL_VERSION_UNSUPPORTED', `expected an error frame with ERR_PROTOCOL_VERSION_UNSUPPORTED, got ${show(exchange.reply)}`)
        await expectNotStored(ctx, String(signed.record.id))
        return `error frame ${String(exchange.reply.code)}`
      }
    },
    {
      id: 'VER-11-2',
      ...requirement('VER-11-2'),
      run: async (ctx) => {
        const requestId = randomUUID()
        const message = signRequestMessage(ctx, { type: 'request', messageId: randomUUID(), requestId, sender: ctx.member.jurisdiction, receiver: ctx.target.jurisdiction, sentAt: new Date().toISOString(), content: requestContent(ctx, { urgent: false }) })
        const exchange = await send(ctx, REQUEST_V1, message)
        check('reply' in exchange, `expected an error frame, got no reply (${'noReply' in exchange ? exchange.noReply : ''})`)
        check(exchange.reply.type === 'error' && exchange.reply.code === 'ERR_PROTOCOL_VERSION_UNSUPPORTED', `expected an error frame with ERR_PROTOCOL_VERSION_UNSUPPORTED, got ${show(exchange.reply)}`)
        const opened = await ctx.api.caseOf(`${ctx.member.jurisdiction.toLowerCase()}-${requestId}`)
        check(opened.status === 404, `GET /cases/{id} returned status ${opened.status}; a message on the old version must open no case`)
        return `error frame ${String(exchange.reply.code)}`
      }
    }
  ]
}
