/** IRI of the JSON-LD context every record names; nodes resolve it from the copy shipped in this package, never from the network. */
export const CONTEXT_URL = 'urn:ceasefire:context:v1'

/** Record types of protocol version 1, each with a JSON Schema in `protocol/schemas/`. */
export const RECORD_TYPES = [
  'Firearm',
  'Ammunition',
  'Seizure',
  'Person',
  'Organisation',
  'Vehicle',
  'CryptoWallet',
  'WebListing',
  'OnlineIdentity',
  'RecordLink'
] as const

export type RecordType = typeof RECORD_TYPES[number]

/**
 * libp2p protocol id of the share message family that this node speaks: version 2.0.0, whose
 * records carry version 2 signatures and whose hops declare the fields a node removed.
 */
export const SHARE_PROTOCOL = '/nfp/share/2.0.0'

/**
 * Protocol id of the first share version. A node still listens on it, but only to reply to
 * every request with ERR_PROTOCOL_VERSION_UNSUPPORTED, so a node that speaks only version 1
 * gets a typed error instead of a failed protocol negotiation.
 */
export const SHARE_PROTOCOL_V1 = '/nfp/share/1.0.0'

/**
 * Largest frame a node sends or accepts, in bytes, before the length prefix. One record is
 * bounded by its schema (a few tens of KiB at most), so 1 MiB leaves room for a batch.
 */
export const MAX_FRAME_BYTES = 1024 * 1024

/** Signature algorithm of protocol version 1 (JWS `alg`). */
export const SIGNATURE_ALG = 'EdDSA'

/** JWS `typ` header value that marks a record signature. */
export const SIGNATURE_TYP = 'nfp-record+jws'
