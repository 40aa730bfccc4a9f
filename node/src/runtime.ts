import { join } from 'node:path'
import { pino } from 'pino'
import type { Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import { NfpError, errors } from '@ceasefire/protocol'
import type { Membership } from '@ceasefire/protocol'
import type { NodeConfig } from './config.ts'
import { startAuditHeads } from './audit/audit-heads.ts'
import type { AuditHeads } from './audit/audit-heads.ts'
import { buildApp } from './http/app.ts'
import { loadMembership } from './federation/load-membership.ts'
import { MembershipUpdates } from './federation/membership-updates.ts'
import { loadIdentity } from './identity.ts'
import type { SecretOptions } from './identity.ts'
import type { NodeComponents } from './components.ts'
import { handleMembershipExchange } from './net/membership-exchange.ts'
import { createNetwork, greetMembers } from './net/network.ts'
import { handleShare } from './net/share.ts'
import { handleRequests } from './net/requests.ts'
import { handleHits } from './net/hits.ts'
import { HitService } from './hits/service.ts'
import { RequestService } from './requests/service.ts'
import { ProposalService } from './initiative/proposals.ts'
import { demoClockRoutes } from './http/routes/demo-clock.ts'
import { loadActivePolicy, watchPolicies } from './policy-reload.ts'
import type { ActivePolicy } from './policy-reload.ts'
import { NodeService } from './service.ts'
import { NodeStore } from './store/store.ts'
import { attachModels } from './models/node-models.ts'
import type { NodeModels } from './models/node-models.ts'

/** Stores with fewer records build their hit index before start returns; larger ones build it after. */
const INLINE_INDEX_BUILD_RECORDS = 1000

/** A running node: its service, HTTP server and the address it listens on. */
export interface RunningNode {
  service: NodeService
  requests: RequestService
  proposals: ProposalService
  hits: HitService
  auditHeads: AuditHeads
  models: NodeModels
  app: FastifyInstance
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:7101 */
  url: string
  stop: () => Promise<void>
}

/**
 * Starts one node from its configuration: keys, membership, policy module, database, libp2p
 * host and HTTP API. Anything that fails to load stops the start with a typed error before a
 * port is opened. `components` replaces deciding parts of the node. Only the conformance
 * suite's tests of broken nodes pass it.
 */
export async function startNode (config: NodeConfig, log?: Logger, secrets: SecretOptions = {}, components: Partial<NodeComponents> = {}): Promise<RunningNode> {
  const logger = (log ?? pino({ level: config.logLevel ?? 'info' })).child({ jurisdiction: config.jurisdiction })

  const identity = await loadIdentity(config.dataDir, secrets)
  const loaded = await loadMembership(config)
  const membership = loaded.membership
  const self = membership.members.find(m => m.jurisdiction === config.jurisdiction)
  if (self === undefined || self.peerId !== identity.peerId) {
    throw new errors.MembershipInvalidError(`federation file \`${config.federationFile}\` does not list this node (${config.jurisdiction}, peer id ${identity.peerId}); add the entry \`nfp init\` printed`)
  }
  if (!self.signingKeys.some(k => k.kid === identity.signing.kid)) {
    throw new errors.MembershipInvalidError(`federation file does not list this node's record-signing key \`${identity.signing.kid}\``)
  }
  const active = await loadActivePolicy(config.policiesDir, config.jurisdiction, config.policyTrust)
  warnIfUnsigned(active, logger)

  const store = await NodeStore.open(join(config.dataDir, 'db'))
  let service: NodeService | undefined
  let network: Awaited<ReturnType<typeof createNetwork>>
  try {
    network = await createNetwork({
      privateKey: identity.peerKey,
      listen: config.p2p.listen,
      isMember: (peerId) => service?.isMemberPeer(peerId) ?? false
    })
  } catch (err) {
    await store.close()
    throw new errors.ConfigInvalidError(`cannot listen for peers on ${config.p2p.listen.join(', ')}: ${(err as Error).message.split('\n')[0]}; check \`p2p.listen\` in ${config.configPath} and that no other process uses the port`, { cause: err })
  }
  service = new NodeService({ config, identity, membership, ...(loaded.signed === undefined ? {} : { signedMembership: loaded.signed }), store, policy: active.module, network, log: logger, components })
  await handleShare(network, async (request, remote) => await service!.receive(request, remote), logger)
  if (loaded.anchor !== undefined) {
    const updates = new MembershipUpdates({ service, network, anchor: loaded.anchor, dataDir: config.dataDir, log: logger.child({ component: 'membership' }) })
    service.acceptMembership = async (signed, source) => await updates.accept(signed, source)
    await handleMembershipExchange(network, async (signed, remote) => await updates.handleOffer(signed, remote), logger)
    // Every new connection to a member starts an exchange, so a node that was offline when a
    // version went out gets it on its next connection.
    network.addEventListener('connection:open', (event) => {
      const peerId = event.detail.remotePeer.toString()
      if (service!.isMemberPeer(peerId)) void updates.exchangeWith(peerId)
    })
  }
  const requests = new RequestService({ service, network, log: logger.child({ component: 'requests' }) })
  const proposals = new ProposalService({ service, log: logger.child({ component: 'initiative' }) })
  service.onIngested((stored) => { void proposals.consider(stored) })
  await handleRequests(network, async (message, remote) => await requests.receive(message, remote), logger)

  let auditHeads: AuditHeads
  let hits: HitService
  try {
    hits = await HitService.start({ service, requests, network, log: logger.child({ component: 'hits' }) })
    // The first start with an index, or a start under a changed policy, decides every record
    // again. At a million records that takes minutes, so a large store does it after start, and
    // until it ends the responder rejects hit queries with ERR_HIT_INDEX_BUILDING. A small store
    // takes milliseconds, so its node waits and serves queries as soon as it is up.
    const small = (await store.listRecordIds(undefined, INLINE_INDEX_BUILD_RECORDS)).length < INLINE_INDEX_BUILD_RECORDS
    const rebuild = rebuildHitIndex(hits, active.module.hash, logger)
    if (small) await Promise.all([rebuild, hits.index.loaded()])
    await handleHits(network, async (message, remote) => await hits.receive(message, remote), logger)
    // Audit heads read the membership through the service, so they follow accepted updates.
    const currentMembership = {
      get federation () { return service!.membership.federation },
      get version () { return service!.membership.version },
      get members () { return service!.membership.members }
    } as Membership
    auditHeads = await startAuditHeads({ store, identity, membership: currentMembership, network, log: logger })
  } catch (err) {
    await network.stop()
    await store.close()
    throw err
  }
  const models = await attachModels(service, logger)
  service.start()
  requests.start()
  const app = await buildApp(service, logger, auditHeads, requests, proposals, hits, models)
  if (config.demoClockControl === true) {
    logger.warn('demo clock control is on (demoClockControl in the configuration): POST /demo/clock can move the deadline clock; never use this in service')
    await app.register(demoClockRoutes({ requests, proposals }))
  }
  let url: string
  try {
    url = await app.listen({ host: config.http.host, port: config.http.port })
  } catch (err) {
    requests.stop()
    service.stop()
    await auditHeads.stop()
    await network.stop()
    await store.close()
    throw new errors.ConfigInvalidError(`cannot serve the HTTP API on ${config.http.host}:${config.http.port}: ${(err as Error).message}; check \`http\` in ${config.configPath} and that no other process uses the port`, { cause: err })
  }
  await store.commit({ audit: [{ event: 'node.started', policyHash: active.module.hash, detail: `policy ${active.module.jurisdiction} ${active.module.version}, ${describeSigners(active)}` }] })

  // A changed module is loaded without a restart; one that fails keeps the previous one active.
  const reload = async (): Promise<void> => {
    try {
      const next = await loadActivePolicy(config.policiesDir, config.jurisdiction, config.policyTrust)
      if (next.module.hash === service!.policy.hash) return
      warnIfUnsigned(next, logger)
      service!.setPolicy(next.module)
      await hits.index.rebuildIfPolicyChanged(next.module.hash)
      await store.commit({ audit: [{ event: 'policy.loaded', policyHash: next.module.hash, detail: `${next.module.jurisdiction} ${next.module.version}, ${describeSigners(next)}` }] })
      logger.info({ policyHash: next.module.hash, version: next.module.version }, 'policy module reloaded')
    } catch (err) {
      const code = err instanceof NfpError ? err.code : 'ERR_INTERNAL'
      await store.commit({ audit: [{ event: 'policy.load-failed', code, policyHash: service!.policy.hash, detail: (err as Error).message.slice(0, 500) }] })
      throw err
    }
  }
  service.reloadPolicy = reload
  const watcher = watchPolicies(config.policiesDir, reload, logger)
  logger.info({ url, peerId: identity.peerId, listen: network.getMultiaddrs().map(a => a.toString()) }, 'node started')
  greetMembers(network, service.membership.members, identity.peerId)

  return {
    service,
    requests,
    proposals,
    hits,
    auditHeads,
    models,
    app,
    url,
    stop: async () => {
      watcher.close()
      requests.stop()
      service!.stop()
      await app.close()
      await models.runtime.close()
      await auditHeads.stop()
      await hits.index.close()
      await network.stop()
      await store.close()
      logger.info('node stopped')
    }
  }
}

async function rebuildHitIndex (hits: HitService, policyHash: string, log: Logger): Promise<void> {
  const started = performance.now()
  try {
    const count = await hits.index.rebuildIfPolicyChanged(policyHash)
    if (count > 0) log.info({ records: count, ms: Math.round(performance.now() - started) }, 'hit index built under the current policy')
  } catch (err) {
    log.error({ err: (err as Error).message }, 'building the hit index failed; hit queries get ERR_HIT_INDEX_BUILDING until the next start')
  }
}

function warnIfUnsigned (active: ActivePolicy, log: Logger): void {
  const unsigned = active.signatures.filter(s => s.signedBy === undefined).map(s => s.jurisdiction)
  if (unsigned.length > 0) {
    log.warn({ unsigned }, `POLICY MODULES NOT SIGNED BY A TRUSTED LEGAL OFFICER: ${unsigned.join(', ')}; loaded only because policyTrust.allowUnsigned is set. Never run a production node like this.`)
  }
}

function describeSigners (active: ActivePolicy): string {
  return active.signatures.map(s => `${s.jurisdiction} ${s.signedBy === undefined ? 'UNSIGNED' : `signed by ${s.signedBy.name ?? s.signedBy.kid}`}`).join('; ')
}
