import t from 'tap'
import { PassThrough } from 'node:stream'
import { runConformance } from '../src/run.ts'
import { startTarget } from './helpers/target.ts'
import { VARIANTS } from './variants/index.ts'

// The suite checks itself: against each deliberately broken node it must fail exactly the tests
// that check the broken part, and pass every other one.
for (const variant of VARIANTS) {
  t.test(`against a node whose ${variant.description}, the suite fails exactly ${variant.expectedFailures.join(', ')}`, async (t) => {
    const target = await startTarget(variant.components)
    t.teardown(async () => { await target.stop() })
    const summary = await runConformance({ peer: target.peer, api: target.api, apiToken: target.apiToken, member: target.member, listen: [target.memberListen], authorityJwk: target.authorityJwk, tap: new PassThrough().resume() })
    const failed = summary.results.filter(r => r.outcome === 'fail').map(r => r.id).sort()
    t.same(failed, [...variant.expectedFailures].sort(), `failed tests of variant ${variant.name}`)
    t.equal(summary.counts.skip, 0, 'no test is skipped')
  })
}
