import { randomUUID } from 'node:crypto'
import { blindInput, finalizeOutput, hitTokensOf, normaliseIdentifier, oprfInputOf } from '@ceasefire/protocol'
import type { IdentifierInput, IdentifierType } from '@ceasefire/protocol'
import type { ConformanceTest, SuiteContext } from '../suite.ts'
import { NotApplicable, check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { HIT, send, targetFirearm } from './helpers.ts'

/** Maximum number of messages the rate limit test sends before it gives up, above the default limit of 600 per minute. */
const MAX_MESSAGES_FOR_LIMIT = 2000

/** The outcome of one query of the suite at the node under test, with the replies it got. */
interface QueryOutcome {
  outcome: 'hit' | 'no-hit'
  /** True when the tag of the OPRF output was in the node's filter. */
  inFilter: boolean
  filterSize: number
  confirmed?: Record<string, any>
}

/** Sends one hit message and returns the reply frame, failing the test when none came. */
async function hitReply (ctx: SuiteContext, message: Record<string, unknown>): Promise<Record<string, any>> {
  const exchange = await send(ctx, HIT, message)
  check('reply' in exchange, `no reply to a ${String(message.type)} message: ${'noReply' in exchange ? exchange.noReply : ''}`)
  return exchange.reply
}

/** Sends one hit message and fails the test unless the reply has type `expected`. */
async function hitExpect (ctx: SuiteContext, message: Record<string, unknown>, expected: string): Promise<Record<string, any>> {
  const reply = await hitReply(ctx, message)
  check(reply.type === expected, `expected ${expected} in reply to ${String(message.type)}, got ${show(reply)}`)
  return reply
}

function address (ctx: SuiteContext): { sender: string, receiver: string } {
  return { sender: ctx.member.jurisdiction, receiver: ctx.target.jurisdiction }
}

/** Reads every page of the node's filter of one type and returns its tags as hex strings. */
async function downloadFilter (ctx: SuiteContext, type: IdentifierType): Promise<Set<string>> {
  const tags = new Set<string>()
  let offset = 0
  for (;;) {
    const page = await hitExpect(ctx, { type: 'hit-filter', ...address(ctx), identifierType: type, offset }, 'hit-filter-result')
    check(page.kind === 'full' && page.tagBytes === 5, `expected a full filter page of 5-byte tags, got ${show(page)}`)
    const hex = Buffer.from(String(page.tags ?? ''), 'base64url').toString('hex')
    for (let i = 0; i + 10 <= hex.length; i += 10) tags.add(hex.slice(i, i + 10))
    offset += hex.length / 10
    if (page.more !== true) return tags
    check(hex.length > 0, `the node sent an empty filter page that claims more pages: ${show(page)}`)
  }
}

/**
 * Queries the node as a member does (SPEC section 10.5): blind the OPRF input, have the node
 * evaluate it, finalise, test the tag against the node's filter, and confirm only on a filter hit.
 */
async function query (ctx: SuiteContext, input: IdentifierInput): Promise<QueryOutcome> {
  const identifier = normaliseIdentifier(input)
  const oprfInput = oprfInputOf(identifier)
  const { blind, blinded } = blindInput(oprfInput)
  const queryId = randomUUID()
  const evaluated = await hitExpect(ctx, {
    type: 'hit-evaluate', queryId, ...address(ctx), identifierType: identifier.type, suite: 'ristretto255-SHA512', blinded: Buffer.from(blinded).toString('base64url')
  }, 'hit-evaluated')
  check(evaluated.queryId === queryId, `hit-evaluated names query ${show(evaluated.queryId)}, sent ${queryId}`)
  const output = finalizeOutput(oprfInput, blind, Uint8Array.from(Buffer.from(String(evaluated.evaluated), 'base64url')))
  const { tag, token } = hitTokensOf(output)

  const filter = await downloadFilter(ctx, identifier.type)
  if (!filter.has(Buffer.from(tag).toString('hex'))) return { outcome: 'no-hit', inFilter: false, filterSize: filter.size }
  const confirmed = await hitExpect(ctx, {
    type: 'hit-confirm', queryId, ...address(ctx), identifierType: identifier.type, keyEpoch: evaluated.keyEpoch, token: Buffer.from(token).toString('base64url')
  }, 'hit-confirmed')
  check(confirmed.outcome === 'hit' || confirmed.outcome === 'no-hit', `hit-confirmed has outcome ${show(confirmed.outcome)}`)
  return { outcome: confirmed.outcome, inFilter: true, filterSize: filter.size, confirmed }
}

/** Ingests a firearm at the node under test through its API, so that its serial enters the hit index. */
async function seedFirearm (ctx: SuiteContext, local: string, serialNumber: string, make: string): Promise<string> {
  const draft = targetFirearm(ctx, local, { serialNumber, make })
  const ingested = await ctx.api.ingest(draft)
  check(ingested.status === 201, `setting up: POST /records returned status ${ingested.status}: ${show(ingested.body)}`)
  return String(draft.id)
}

/** Checks that a hit names the seeded record and carries nothing but references and jurisdictions. */
function expectOnlyReferences (ctx: SuiteContext, outcome: QueryOutcome, recordId: string): string {
  check(outcome.outcome === 'hit', `expected a hit, got ${outcome.outcome} (tag in filter: ${String(outcome.inFilter)}, ${outcome.filterSize} tags)`)
  const hit = outcome.confirmed?.hit as Record<string, any> | undefined
  check(hit !== undefined, `hit-confirmed with outcome hit carries no hit: ${show(outcome.confirmed)}`)
  check(JSON.stringify(Object.keys(hit).sort()) === JSON.stringify(['at', 'followUpBy', 'hitId', 'matches']), `the hit has members ${show(Object.keys(hit))}, expected only hitId, at, followUpBy and matches`)
  const matches = hit.matches as Array<Record<string, unknown>>
  check(Array.isArray(matches) && matches.length >= 1 && matches.length <= 50, `the hit names ${show(matches?.length)} records, expected 1 to 50`)
  for (const match of matches) {
    check(JSON.stringify(Object.keys(match).sort()) === JSON.stringify(['jurisdiction', 'reference']), `a match has members ${show(Object.keys(match))}, expected only reference and jurisdiction`)
  }
  check(matches.some(m => m.reference === recordId && m.jurisdiction === ctx.target.jurisdiction), `the hit names ${show(matches)}, not ${recordId} of ${ctx.target.jurisdiction}`)
  return `hit ${String(hit.hitId)} names ${matches.length} record(s), follow-up by ${String(hit.followUpBy)}`
}

/** Tests of hit/no-hit queries (SPEC section 10), with the suite as the querying member. */
export function hitTests (): ConformanceTest[] {
  return [
    {
      id: 'HIT-10.4-1',
      ...requirement('HIT-10.4-1'),
      run: async (ctx) => {
        const other = ['XO', 'XP'].find(j => j !== ctx.member.jurisdiction && j !== ctx.target.jurisdiction) as string
        const reply = await hitReply(ctx, { type: 'hit-filter', sender: other, receiver: ctx.target.jurisdiction, identifierType: 'firearm-serial' })
        check(reply.type === 'error' && reply.code === 'ERR_PEER_IDENTITY_MISMATCH', `expected an error frame with ERR_PEER_IDENTITY_MISMATCH, got ${show(reply)}`)
        return `error frame ${String(reply.code)}`
      }
    },
    {
      id: 'HIT-10.5-1',
      ...requirement('HIT-10.5-1'),
      run: async (ctx) => {
        const serialNumber = `HIT-${ctx.runId}`
        const recordId = await seedFirearm(ctx, 'hit-held', serialNumber, 'Walther')
        return expectOnlyReferences(ctx, await query(ctx, { type: 'firearm-serial', serialNumber, make: 'Walther' }), recordId)
      }
    },
    {
      id: 'HIT-10.1-1',
      ...requirement('HIT-10.1-1'),
      run: async (ctx) => {
        // The record writes the serial in lower case with Cyrillic look-alikes and separators, and
        // the make with a legal form; the query writes both plainly.
        const recordId = await seedFirearm(ctx, 'hit-normalised', `сх-${ctx.runId} 77`, 'Walther GmbH')
        return expectOnlyReferences(ctx, await query(ctx, { type: 'firearm-serial', serialNumber: `CX${ctx.runId.toUpperCase()}77`, make: 'WALTHER' }), recordId)
      }
    },
    {
      id: 'HIT-10.5-2',
      ...requirement('HIT-10.5-2'),
      run: async (ctx) => {
        const outcome = await query(ctx, { type: 'firearm-serial', serialNumber: `NOT-HELD-${ctx.runId}`, make: 'Walther' })
        check(outcome.outcome === 'no-hit', `expected no hit for a serial the node does not hold, got ${show(outcome.confirmed)}`)
        return outcome.inFilter ? 'filter false positive, confirm returned no-hit' : `tag not in the filter of ${outcome.filterSize} tags`
      }
    },
    {
      id: 'HIT-10.5-3',
      ...requirement('HIT-10.5-3'),
      run: async (ctx) => {
        // 32 zero bytes encode the identity element of ristretto255.
        const reply = await hitReply(ctx, {
          type: 'hit-evaluate', queryId: randomUUID(), ...address(ctx), identifierType: 'firearm-serial', suite: 'ristretto255-SHA512', blinded: Buffer.alloc(32).toString('base64url')
        })
        check(reply.type === 'error' && reply.code === 'ERR_HIT_ELEMENT_INVALID', `expected an error frame with ERR_HIT_ELEMENT_INVALID, got ${show(reply)}`)
        return `error frame ${String(reply.code)}`
      }
    },
    {
      id: 'HIT-10.6-1',
      ...requirement('HIT-10.6-1'),
      run: async (ctx) => {
        const type = ctx.hitForbiddenType
        if (type === undefined) throw new NotApplicable('no identifier type the node\'s policy forbids the test member was given (--hit-forbidden-type)')
        const reply = await hitReply(ctx, { type: 'hit-filter', ...address(ctx), identifierType: type })
        check(reply.type === 'error' && reply.code === 'ERR_HIT_TYPE_FORBIDDEN', `expected an error frame with ERR_HIT_TYPE_FORBIDDEN for type ${type}, got ${show(reply)}`)
        return `error frame ${String(reply.code)} for ${type}`
      }
    },
    {
      // Runs last among the hit tests, because the test member stays over its limit for up to a minute.
      id: 'HIT-10.7-1',
      ...requirement('HIT-10.7-1'),
      run: async (ctx) => {
        for (let sent = 1; sent <= MAX_MESSAGES_FOR_LIMIT; sent++) {
          const reply = await hitReply(ctx, { type: 'hit-filter', ...address(ctx), identifierType: 'firearm-serial' })
          if (reply.type === 'hit-filter-result') continue
          check(reply.type === 'error' && reply.code === 'ERR_HIT_RATE_LIMITED', `message ${sent}: expected a filter page or ERR_HIT_RATE_LIMITED, got ${show(reply)}`)
          check(typeof reply.retryAfterMs === 'number' && reply.retryAfterMs > 0 && reply.retryAfterMs <= 60_000, `the rate limit error carries retryAfterMs ${show(reply.retryAfterMs)}, expected 1 to 60000`)
          return `limited at message ${sent} of this test, retry after ${String(reply.retryAfterMs)} ms`
        }
        check(false, `${MAX_MESSAGES_FOR_LIMIT} filter requests within the run were all answered; no rate limit applies`)
      }
    }
  ]
}
