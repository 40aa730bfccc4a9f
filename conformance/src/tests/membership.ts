import type { ConformanceTest } from '../suite.ts'
import { NotApplicable, check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { MEMBERSHIP, send } from './helpers.ts'

export function membershipTests (): ConformanceTest[] {
  return [
    {
      id: 'MEM-2.7-1',
      ...requirement('MEM-2.7-1'),
      run: async (ctx) => {
        const forged = {
          membership: { federation: 'forged federation', version: 999999, issued: new Date().toISOString(), members: [] },
          signature: { protected: Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'not-the-anchor', typ: 'nfp-membership+jws' })).toString('base64url'), signature: 'AAAA' }
        }
        const exchange = await send(ctx, MEMBERSHIP, { type: 'membership-offer', signed: forged })
        if ('noReply' in exchange && /protocol/i.test(exchange.noReply)) {
          throw new NotApplicable('the node does not speak /nfp/membership/1.0.0, so it has no federation authority configured (SPEC 2.1)')
        }
        check('reply' in exchange, `no reply to a membership offer: ${'noReply' in exchange ? exchange.noReply : ''}`)
        const reply = exchange.reply
        check(reply.type === 'membership-result' && reply.accepted === false && reply.code === 'ERR_MEMBERSHIP_UNTRUSTED', `expected a membership-result with accepted false and ERR_MEMBERSHIP_UNTRUSTED, got ${show(reply)}`)
      }
    }
  ]
}
