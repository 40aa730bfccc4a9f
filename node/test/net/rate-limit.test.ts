import t from 'tap'
import { pino } from 'pino'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import { SHARE_PROTOCOL, decodeShareResponse, encodeFrame } from '../../../protocol/src/index.ts'
import type { ShareRequest, ShareResponse } from '../../../protocol/src/index.ts'
import { createNetwork } from '../../src/net/network.ts'
import type { Network } from '../../src/net/network.ts'
import { PeerRateLimiter } from '../../src/net/rate-limit.ts'
import { handleShare } from '../../src/net/share.ts'

const request: ShareRequest = {
  type: 'share',
  messageId: '4d6f3c1e-8a0b-4f61-9a43-3f1f2f7c9d10',
  sender: 'SE',
  receiver: 'DE',
  sentAt: '2026-12-04T10:00:00.000Z',
  seqFrom: 1,
  items: [{ kind: 'deletion', deletion: 'a.b.c' }]
}

/** Starts a real libp2p host on 127.0.0.1 that admits every peer; the gater is not under test here. */
async function host (): Promise<Network> {
  return await createNetwork({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], isMember: () => true })
}

async function exchange (from: Network, to: Network): Promise<ShareResponse> {
  const stream = await from.dialProtocol(to.getMultiaddrs()[0]!, SHARE_PROTOCOL, { signal: AbortSignal.timeout(5000) })
  const lp = lpStream(stream)
  await lp.write(encodeFrame(request))
  const response = decodeShareResponse((await lp.read({ signal: AbortSignal.timeout(5000) })).subarray())
  await stream.close().catch(() => {})
  return response
}

t.test('bucket refills at its rate', async t => {
  let now = 0
  const limiter = new PeerRateLimiter({ perSecond: 2, burst: 3 }, () => now)
  t.same([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')], [true, true, true, false], 'burst of 3, then refused')
  t.ok(limiter.take('b'), 'another peer has its own bucket')
  now = 499
  t.notOk(limiter.take('a'), 'less than one token after 499 ms at 2 per second')
  now = 500
  t.ok(limiter.take('a'), 'one token after 500 ms')
  now = 60000
  t.same([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')], [true, true, true, false], 'refill stops at the burst size')
})

t.test('flooding peer gets ERR_PEER_RATE_LIMITED', async t => {
  const receiver = await host()
  const flooder = await host()
  const other = await host()
  t.teardown(async () => { await Promise.all([receiver.stop(), flooder.stop(), other.stop()]) })

  const handled: string[] = []
  await handleShare(receiver, async (message, remote) => {
    handled.push(remote)
    return { type: 'share-result', messageId: message.messageId, receiver: 'DE', results: [], receipt: 'a.b.c' }
  }, pino({ level: 'silent' }), { rateLimit: { perSecond: 1, burst: 3 } })

  const responses: ShareResponse[] = []
  for (let i = 0; i < 6; i++) responses.push(await exchange(flooder, receiver))
  t.same(responses.slice(0, 3).map(r => r.type), ['share-result', 'share-result', 'share-result'], 'the burst is served')
  for (const [i, response] of responses.slice(3).entries()) {
    t.equal(response.type === 'error' ? response.code : response.type, 'ERR_PEER_RATE_LIMITED', `frame ${i + 4} is refused`)
  }
  t.equal(handled.length, 3, 'refused frames never reach the handler')

  const fromOther = await exchange(other, receiver)
  t.equal(fromOther.type, 'share-result', 'another peer is still served')

  await new Promise(resolve => setTimeout(resolve, 1100))
  const later = await exchange(flooder, receiver)
  t.equal(later.type, 'share-result', 'the flooder is served again once its bucket refilled')
})
