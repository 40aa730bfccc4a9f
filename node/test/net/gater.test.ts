import t from 'tap'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { lpStream } from '@libp2p/utils'
import { SHARE_PROTOCOL, encodeFrame } from '../../../protocol/src/index.ts'
import { startCluster } from '../helpers/cluster.ts'

const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => { await cluster.close() })

t.test('unknown peer cannot open a stream', async t => {
  // A libp2p host with a fresh key that is not in the membership file and no gater of its own.
  const stranger = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  t.teardown(async () => { await stranger.stop() })

  const target = multiaddr(cluster.members.get('DE')!.addresses[0]!)
  const auditBefore = (await cluster.node('DE').service.store.listAudit(0, 10000)).length

  let failed = false
  try {
    const stream = await stranger.dialProtocol(target, SHARE_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    const lp = lpStream(stream)
    await lp.write(encodeFrame({ type: 'error', code: 'ERR_INTERNAL', message: 'probe' }))
    await lp.read({ signal: AbortSignal.timeout(5000) })
  } catch {
    failed = true
  }
  t.ok(failed, 'the dial or the first read fails')

  await new Promise(resolve => setTimeout(resolve, 200))
  const strangerId = stranger.peerId.toString()
  t.notOk(cluster.node('DE').service.network.getConnections().some((c: any) => c.remotePeer.toString() === strangerId), 'no connection from the stranger remains')
  t.equal((await cluster.node('DE').service.store.listAudit(0, 10000)).length, auditBefore, 'the handler never ran')
})

t.test('member node refuses to dial a non-member', async t => {
  const stranger = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  t.teardown(async () => { await stranger.stop() })
  await t.rejects(cluster.node('SE').service.network.dial(stranger.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(5000) }))
})
