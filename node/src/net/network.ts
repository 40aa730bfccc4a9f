import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'

export interface NetworkInit {
  privateKey: PrivateKey
  listen: string[]
  /** Peer ids admitted by the connection gater; read at every connection attempt, so it can change at run time. */
  isMember: (peerId: string) => boolean
}

export type Network = Libp2p<{ identify: ReturnType<ReturnType<typeof identify>> }>

/**
 * Starts the node's libp2p host: TCP, Noise and Yamux, with a connection gater that admits
 * only federation members. The gater refuses unknown peers after the Noise handshake, when
 * their peer id is proven, and before any stream can be opened.
 */
export async function createNetwork (init: NetworkInit): Promise<Network> {
  const denyUnknown = (peerId: PeerId): boolean => !init.isMember(peerId.toString())
  return await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: {
      denyDialPeer: denyUnknown,
      denyInboundEncryptedConnection: denyUnknown,
      denyOutboundEncryptedConnection: denyUnknown,
      denyDialMultiaddr: (addr: Multiaddr) => {
        // Only TCP over IP is configured; anything else is refused before dialling.
        const protos = addr.getComponents().map(c => c.name)
        return !(protos.includes('tcp') && (protos.includes('ip4') || protos.includes('ip6') || protos.includes('dns4') || protos.includes('dns6')))
      }
    }
  }) as unknown as Network
}

/**
 * Dials every other member once, in the background. A node that restarts announces itself this
 * way, so peers with items queued for it retry at once instead of waiting out their backoff.
 */
export function greetMembers (network: Network, members: Array<{ peerId: string, addresses: string[] }>, selfPeerId: string): void {
  for (const member of members) {
    if (member.peerId === selfPeerId) continue
    void (async () => {
      const peerId = peerIdFromString(member.peerId)
      await network.peerStore.merge(peerId, { multiaddrs: member.addresses.map(a => multiaddr(a)) })
      await network.dial(peerId, { signal: AbortSignal.timeout(5000) })
    })().catch(() => {
      // A member that is down is not an error here; delivery retries reach it later.
    })
  }
}
