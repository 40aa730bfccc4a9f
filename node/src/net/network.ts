import { createLibp2p } from 'libp2p'
import type { Libp2p } from 'libp2p'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

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
