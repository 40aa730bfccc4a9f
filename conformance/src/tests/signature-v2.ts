import type { ConformanceTest, SuiteContext } from '../suite.ts'
import { check, show } from '../suite.ts'
import { requirement } from '../requirements.ts'
import { V2_TAMPERING, readSignatureV2Vectors, signMemberBatch, tamper } from '../vectors/signature-v2.ts'
import type { MemberBatch } from '../vectors/signature-v2.ts'
import { expectNotStored, expectStored, memberKey, shareRecord } from './helpers.ts'

/** Signs a fresh batch for one test, so that no two tests share a record id. */
async function batchFor (ctx: SuiteContext, local: string): Promise<MemberBatch> {
  return await signMemberBatch(ctx.member.jurisdiction, { privateKey: ctx.member.signing.privateKey, kid: ctx.member.signing.kid }, `${local}-${ctx.runId}`)
}

/** Tests of record signature version 2 (SPEC section 5.2) and of unknown signature versions (section 11). */
export function signatureV2Tests (): ConformanceTest[] {
  const valid: ConformanceTest[] = [
    {
      id: 'SIG-5.2-1',
      ...requirement('SIG-5.2-1'),
      run: async (ctx) => {
        const { neighbour } = await batchFor(ctx, 'v2-valid')
        const result = await shareRecord(ctx, neighbour)
        check(result.status === 'stored', `expected status stored, got ${show(result)}`)
        await expectStored(ctx, neighbour.record.id, neighbour.record.versionHash)
        return `stored ${neighbour.record.id}, record 3 of a batch of 5`
      }
    },
    {
      id: 'SIG-5.2-2',
      ...requirement('SIG-5.2-2'),
      run: async (ctx) => {
        const { redacted, removedPaths } = await batchFor(ctx, 'v2-redacted')
        const result = await shareRecord(ctx, redacted)
        check(result.status === 'stored', `expected status stored, got ${show(result)}`)
        await expectStored(ctx, redacted.record.id, redacted.record.versionHash)
        const got = await ctx.api.record(redacted.record.id)
        const reported = ((got.body?.removed ?? []) as Array<{ path: string }>).map(r => r.path).sort()
        check(JSON.stringify(reported) === JSON.stringify(removedPaths), `GET /records/{id} reports removed paths ${show(reported)}, expected ${show(removedPaths)}`)
        return `stored with removed paths ${reported.join(', ')}`
      }
    }
  ]

  const tampered = readSignatureV2Vectors().flatMap((vector): ConformanceTest[] => {
    if (vector.expected.outcome !== 'invalid') return []
    const code = vector.expected.code
    // The unknown version case states the rule of section 11; the others that of section 5.2.
    const req = requirement(vector.name === 'invalid-unknown-version' ? 'VER-11-3' : 'SIG-5.2-3')
    return [{
      id: `${req.requirement}/${vector.name}`,
      ...req,
      title: `${req.title} [vector ${vector.name}]`,
      run: async (ctx) => {
        const batch = await batchFor(ctx, vector.name.replace(/^invalid-/, 'v2-'))
        const signed = tamper(vector.name, batch, memberKey(ctx), ctx.member.jurisdiction)
        const result = await shareRecord(ctx, signed)
        check(result.status === 'rejected' && result.code === code, `expected rejected with ${code}, got ${show(result)}`)
        // A case that removes the id still names the record of its base in the batch.
        const id = String(signed.record?.id ?? batch[V2_TAMPERING[vector.name]?.base ?? 'member'].record.id)
        await expectNotStored(ctx, id)
        return `rejected with ${String(result.code)}`
      }
    }]
  })
  return [...valid, ...tampered]
}
