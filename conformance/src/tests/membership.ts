import { signMembership, verifyMembership } from '@ceasefire/protocol'
import type { Membership, SignedMembership } from '@ceasefire/protocol'
import type { ConformanceTest, SuiteContext } from '../suite.ts'
import { NotApplicable, check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { MEMBERSHIP, send } from './helpers.ts'

const NO_PROTOCOL = 'the node does not speak /nfp/membership/1.0.0, so it has no federation authority configured (SPEC 2.1)'

async function offer (ctx: SuiteContext, signed: unknown): Promise<Record<string, any>> {
  const exchange = await send(ctx, MEMBERSHIP, { type: 'membership-offer', signed })
  if ('noReply' in exchange && /protocol/i.test(exchange.noReply)) throw new NotApplicable(NO_PROTOCOL)
  check('reply' in exchange, `no reply to a membership offer: ${'noReply' in exchange ? exchange.noReply : ''}`)
  check(exchange.reply.type === 'membership-result', `expected a membership-result, got ${show(exchange.reply)}`)
  return exchange.reply
}

/** Reads the signed membership the node holds, or skips the test when the node has none. */
async function heldSigned (ctx: SuiteContext): Promise<SignedMembership> {
  const got = await ctx.api.membership()
  check(got.status === 200, `GET /membership returned status ${got.status}`)
  if (got.body.signed !== true) throw new NotApplicable(NO_PROTOCOL)
  return got.body.document as SignedMembership
}

function needAuthority (ctx: SuiteContext): NonNullable<SuiteContext['authority']> {
  if (ctx.authority === undefined) throw new NotApplicable('needs the federation authority\'s key (--authority-key), which only a test federation should hand out')
  return ctx.authority
}

export function membershipTests (): ConformanceTest[] {
  let before: SignedMembership | undefined
  return [
    {
      id: 'MEM-2.7-1',
      ...requirement('MEM-2.7-1'),
      run: async (ctx) => {
        const forged = {
          membership: { federation: 'forged federation', version: 999999, issued: new Date().toISOString(), members: [] },
          signature: { protected: Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'not-the-anchor', typ: 'nfp-membership+jws' })).toString('base64url'), signature: 'AAAA' }
        }
        const reply = await offer(ctx, forged)
        check(reply.accepted === false && reply.code === 'ERR_MEMBERSHIP_UNTRUSTED', `expected accepted false with ERR_MEMBERSHIP_UNTRUSTED, got ${show(reply)}`)
      }
    },
    {
      id: 'MEM-2.7-3',
      ...requirement('MEM-2.7-3'),
      run: async (ctx) => {
        const authority = needAuthority(ctx)
        before = await heldSigned(ctx)
        const next: Membership = { ...before.membership, version: before.membership.version + 1, issued: new Date().toISOString() }
        const signed = await signMembership(next, authority)
        const reply = await offer(ctx, signed)
        check(reply.accepted === true && reply.version === next.version, `expected accepted true at version ${next.version}, got ${show(reply)}`)
        const now = await ctx.api.membership()
        check(now.body?.version === next.version, `GET /membership reports version ${show(now.body?.version)} after the offer`)
        return `node moved from version ${before.membership.version} to ${next.version}`
      }
    },
    {
      id: 'MEM-2.7-2',
      ...requirement('MEM-2.7-2'),
      run: async (ctx) => {
        const authority = needAuthority(ctx)
        check(before !== undefined, 'needs the earlier version that test MEM-2.7-3 read, and that test did not get that far')
        const reply = await offer(ctx, before)
        check(reply.accepted === false && reply.code === 'ERR_MEMBERSHIP_STALE', `expected accepted false with ERR_MEMBERSHIP_STALE, got ${show(reply)}`)
        check(reply.newer !== undefined, `the result carries no newer version: ${show(reply)}`)
        const newer = await verifyMembership(reply.newer, { kid: authority.kid, jwk: authority.publicJwk }).catch((err: Error) => { check(false, `newer does not verify under the authority key: ${err.message}`) })
        check(newer.version > before.membership.version, `newer carries version ${newer.version}, not one above ${before.membership.version}`)
        return `stale offer of version ${before.membership.version} answered with version ${newer.version}`
      }
    }
  ]
}
