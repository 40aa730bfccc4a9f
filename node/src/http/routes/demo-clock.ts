import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ProposalService } from '../../initiative/proposals.ts'
import type { RequestService } from '../../requests/service.ts'
import { errorResponses } from '../schemas.ts'

/** Maximum offset the demo clock accepts: 30 days, enough to pass every limit of Art. 5. */
const MAX_OFFSET_MS = 30 * 24 * 3_600_000

/**
 * Demo and test only, registered only when the configuration sets `demoClockControl`: moves the
 * clock that deadlines, alerts and proposals read by an offset, so a demo can show an overdue
 * case without shortening the legal time limits. Records, signatures, the audit log and
 * delivery keep the real time.
 */
export function demoClockRoutes (targets: { requests: RequestService, proposals: ProposalService }): FastifyPluginAsyncTypebox {
  let offsetMs = 0
  const view = (): { offsetMs: number, now: string, note: string } => ({ offsetMs, now: new Date(Date.now() + offsetMs).toISOString(), note: 'demo clock control: deadlines and alerts on this node read this clock; the legal limits are unchanged' })
  return async (app) => {
    app.get('/demo/clock', {
      schema: { summary: 'Demo only: read the clock that deadlines and alerts use', tags: ['demo'], response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses } }
    }, async () => view())

    app.post('/demo/clock', {
      schema: {
        summary: 'Demo only: move the deadline clock by an offset, then check deadlines at once',
        tags: ['demo'],
        body: Type.Object({ offsetMs: Type.Integer({ minimum: 0, maximum: MAX_OFFSET_MS }) }, { additionalProperties: false }),
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses }
      }
    }, async (request) => {
      offsetMs = request.body.offsetMs
      const now = (): Date => new Date(Date.now() + offsetMs)
      targets.requests.setClock(now)
      targets.proposals.setClock(now)
      request.log.warn({ offsetMs }, 'demo clock moved; deadlines and alerts now read a shifted clock')
      const alerts = await targets.requests.tick()
      return { ...view(), alerts }
    })
  }
}
