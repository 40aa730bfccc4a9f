import { randomUUID } from 'node:crypto'
import { compactVerify, decodeProtectedHeader } from 'jose'
import type { ConformanceTest, SuiteContext } from '../suite.ts'
import { check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { AUDIT_HEAD, resolver, send } from './helpers.ts'

async function headExchange (ctx: SuiteContext, seqs: number[]): Promise<Record<string, any>> {
  const requestId = randomUUID()
  const exchange = await send(ctx, AUDIT_HEAD, { type: 'audit-head-request', requestId, seqs })
  check('reply' in exchange, `no reply to an audit head request: ${'noReply' in exchange ? exchange.noReply : ''}`)
  const reply = exchange.reply
  check(reply.type === 'audit-head-response' && reply.requestId === requestId, `expected an audit-head-response to ${requestId}, got ${show(reply)}`)
  return reply
}

async function verifyHead (ctx: SuiteContext, head: unknown): Promise<{ jurisdiction: string, seq: number, hash: string, at: string }> {
  check(typeof head === 'string', `response has no head: ${show(head)}`)
  const header = decodeProtectedHeader(head)
  check(header.alg === 'EdDSA' && header.typ === 'nfp-audit-head+jws', `head header is ${show(header)}`)
  const key = await resolver(ctx)(ctx.target.jurisdiction, String(header.kid))
  check(key !== undefined, `head is signed under kid ${String(header.kid)}, which the membership does not list for ${ctx.target.jurisdiction}`)
  const verified = await compactVerify(head, key as never).catch((err: Error) => { check(false, `head signature does not verify: ${err.message}`) })
  const payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>
  check(Object.keys(payload).sort().join(',') === 'at,hash,jurisdiction,seq', `head payload has members ${Object.keys(payload).join(', ')}`)
  check(payload.jurisdiction === ctx.target.jurisdiction, `head names jurisdiction ${show(payload.jurisdiction)}`)
  check(Number.isInteger(payload.seq) && typeof payload.hash === 'string' && /^sha256:[0-9a-f]{64}$/.test(payload.hash), `head payload ${show(payload)}`)
  return payload as { jurisdiction: string, seq: number, hash: string, at: string }
}

export function auditTests (): ConformanceTest[] {
  return [
    {
      id: 'AUD-8.3-2',
      ...requirement('AUD-8.3-2'),
      run: async (ctx) => {
        const reply = await headExchange(ctx, [])
        const head = await verifyHead(ctx, reply.head)
        return `head at seq ${head.seq}`
      }
    },
    {
      id: 'AUD-8.3-3',
      ...requirement('AUD-8.3-3'),
      run: async (ctx) => {
        const head = await verifyHead(ctx, (await headExchange(ctx, [])).head)
        check(head.seq >= 1, `the node's head is at seq ${head.seq}; the suite's earlier tests should have written audit entries`)
        const beyond = head.seq + 1_000_000
        const reply = await headExchange(ctx, [head.seq, beyond])
        const hashes = reply.hashes as Array<{ seq: number, hash: string | null }>
        check(Array.isArray(hashes), `response has no hashes: ${show(reply)}`)
        const at = hashes.find(h => h.seq === head.seq)
        check(at?.hash === head.hash, `hash for seq ${head.seq} is ${show(at)}, the signed head says ${head.hash}`)
        const none = hashes.find(h => h.seq === beyond)
        check(none !== undefined && none.hash === null, `hash for seq ${beyond}, which has no entry, is ${show(none)}; expected null`)
      }
    }
  ]
}
