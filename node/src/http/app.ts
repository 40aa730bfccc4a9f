import { timingSafeEqual } from 'node:crypto'
import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { errors } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import type { AuditHeads } from '../audit/audit-heads.ts'
import type { NodeService } from '../service.ts'
import { installErrorHandler, installNotFoundHandler } from './errors.ts'
import { buildSerializer, buildValidator } from './validator.ts'
import { auditRoutes } from './routes/audit.ts'
import { auditHeadRoutes } from './routes/audit-heads.ts'
import { federationRoutes } from './routes/federation.ts'
import { healthRoutes } from './routes/health.ts'
import { peerRoutes } from './routes/peers.ts'
import { policyRoutes } from './routes/policies.ts'
import { quarantineRoutes } from './routes/quarantine.ts'
import { recordRoutes } from './routes/records.ts'
import { requestRoutes } from './routes/requests.ts'
import { copyRoutes } from './routes/copies.ts'
import { proposalRoutes } from './routes/proposals.ts'
import type { ProposalService } from '../initiative/proposals.ts'
import { caseRoutes } from './routes/cases.ts'
import type { RequestService } from '../requests/service.ts'
import type { HitService } from '../hits/service.ts'
import { hitRoutes } from './routes/hits.ts'
import type { NodeModels } from '../models/node-models.ts'
import { linkRoutes } from './routes/links.ts'
import { triageRoutes } from './routes/triage.ts'

const PUBLIC_PREFIXES = ['/health', '/docs']

/**
 * Builds the HTTP API: one plugin per resource, an OpenAPI document with a UI at `/docs`, and
 * bearer-token authentication on everything except health and docs.
 */
export async function buildApp (service: NodeService, log: Logger, auditHeads: AuditHeads, requests?: RequestService, proposals?: ProposalService, hits?: HitService, models?: NodeModels): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // Requests Node's HTTP parser rejects (a garbage request line, too-long headers) get the
    // same error shape as everything else.
    clientErrorHandler: (err, socket) => {
      const status = (err as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400
      const body = JSON.stringify({ statusCode: status, code: 'ERR_HTTP_REQUEST_INVALID', error: status === 431 ? 'Request Header Fields Too Large' : 'Bad Request', message: 'the HTTP request could not be parsed' })
      if (socket.writable) socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
      else socket.destroy()
    },
    bodyLimit: 1024 * 1024,
    // Route schemas must report unknown fields, not strip them. Records are checked by the
    // protocol package's validator, which never coerces. `buildValidator` coerces query strings,
    // path parameters and headers to the types the route schemas declare, and never a JSON body.
    ajv: { customOptions: { removeAdditional: false, useDefaults: true } },
    schemaController: { compilersFactory: { buildValidator, buildSerializer } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  // Only JSON bodies are accepted; a text body gets 415 instead of a confusing schema error.
  app.removeContentTypeParser('text/plain')

  installErrorHandler(app)
  installNotFoundHandler(app)

  await app.register(swagger, {
    openapi: {
      info: { title: `Ceasefire NFP node (${service.jurisdiction})`, version: '0.1.0', description: 'HTTP API of one National Focal Point node. Send `Authorization: Bearer <token>`; the token is in `<dataDir>/keys/api-token`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }]
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  const expected = Buffer.from(`Bearer ${service.identity.apiToken}`)
  app.addHook('onRequest', async (request) => {
    if (PUBLIC_PREFIXES.some(p => request.url === p || request.url.startsWith(p + '/') || request.url.startsWith(p + '?'))) return
    const given = Buffer.from(request.headers.authorization ?? '')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new errors.AuthRequiredError('missing or wrong API token; send `Authorization: Bearer <token>` with the token from `<dataDir>/keys/api-token`')
    }
  })

  await app.register(healthRoutes(service, models?.runtime))
  await app.register(recordRoutes(service))
  await app.register(peerRoutes(service))
  await app.register(auditRoutes(service))
  await app.register(auditHeadRoutes(auditHeads))
  await app.register(quarantineRoutes(service))
  await app.register(policyRoutes(service))
  await app.register(federationRoutes(service))
  if (requests !== undefined) {
    await app.register(requestRoutes(requests))
    await app.register(caseRoutes(requests))
    await app.register(copyRoutes(service))
  }
  if (proposals !== undefined) await app.register(proposalRoutes(proposals))
  if (hits !== undefined) await app.register(hitRoutes(hits))
  if (models !== undefined) {
    await app.register(linkRoutes(models.links, models.settled))
    await app.register(triageRoutes(service, models.triage, models.settled))
  }
  return app as unknown as FastifyInstance
}
