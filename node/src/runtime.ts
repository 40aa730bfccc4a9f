import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import { errors, validateMembership } from '@ceasefire/protocol'
import type { Membership } from '@ceasefire/protocol'
import type { NodeConfig } from './config.ts'
import { buildApp } from './http/app.ts'
import { loadIdentity } from './identity.ts'
import { createNetwork } from './net/network.ts'
import { handleShare } from './net/share.ts'
import { loadPolicyModule } from './policy/index.ts'
import { NodeService } from './service.ts'
import { NodeStore } from './store/store.ts'

/** A running node: its service, HTTP server and the address it listens on. */
export interface RunningNode {
  service: NodeService
  app: FastifyInstance
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:7101 */
  url: string
  stop: () => Promise<void>
}

/**
 * Starts one node from its configuration: keys, membership, policy module, database, libp2p
 * host and HTTP API. Anything that fails to load stops the start with a typed error before a
 * port is opened.
 */
export async function startNode (config: NodeConfig, log?: Logger): Promise<RunningNode> {
  const logger = (log ?? pino({ level: config.logLevel ?? 'info' })).child({ jurisdiction: config.jurisdiction })

  const identity = await loadIdentity(config.dataDir)
  const membership = await readMembership(config.federationFile)
  const self = membership.members.find(m => m.jurisdiction === config.jurisdiction)
  if (self === undefined || self.peerId !== identity.peerId) {
    throw new errors.MembershipInvalidError(`federation file \`${config.federationFile}\` does not list this node (${config.jurisdiction}, peer id ${identity.peerId}); add the entry \`nfp init\` printed`)
  }
  if (!self.signingKeys.some(k => k.kid === identity.signing.kid)) {
    throw new errors.MembershipInvalidError(`federation file does not list this node's record-signing key \`${identity.signing.kid}\``)
  }
  const policy = loadPolicyModule(config.policiesDir, config.jurisdiction)

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
  service = new NodeService({ config, identity, membership, store, policy, network, log: logger })
  await handleShare(network, async (request, remote) => await service!.receive(request, remote), logger)

  service.start()
  const app = await buildApp(service, logger)
  let url: string
  try {
    url = await app.listen({ host: config.http.host, port: config.http.port })
  } catch (err) {
    service.stop()
    await network.stop()
    await store.close()
    throw new errors.ConfigInvalidError(`cannot serve the HTTP API on ${config.http.host}:${config.http.port}: ${(err as Error).message}; check \`http\` in ${config.configPath} and that no other process uses the port`, { cause: err })
  }
  await store.commit({ audit: [{ event: 'node.started', detail: `policy ${policy.jurisdiction} ${policy.version}` }] })
  logger.info({ url, peerId: identity.peerId, listen: network.getMultiaddrs().map(a => a.toString()) }, 'node started')

  return {
    service,
    app,
    url,
    stop: async () => {
      service!.stop()
      await app.close()
      await network.stop()
      await store.close()
      logger.info('node stopped')
    }
  }
}

async function readMembership (path: string): Promise<Membership> {
  let document: unknown
  try {
    document = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new errors.MembershipInvalidError(`cannot read federation file \`${path}\`: ${(err as Error).message}`, { cause: err })
  }
  return await validateMembership(document, `federation file \`${path}\``)
}
