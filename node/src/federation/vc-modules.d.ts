// Minimal typings for the Digital Bazaar credential packages, which ship no TypeScript types.
// Only the calls this project makes are declared.

declare module '@digitalbazaar/vc' {
  export function issue (options: { credential: object, suite: unknown, documentLoader: unknown }): Promise<Record<string, unknown>>
  export function verifyCredential (options: { credential: object, suite: unknown, documentLoader: unknown }): Promise<{ verified: boolean, error?: Error, results?: unknown[] }>
}

declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor (options: { signer?: unknown, cryptosuite: unknown })
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: unknown
}

declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519KeyPair {
    id?: string
    controller?: string
    publicKeyMultibase: string
    signer: () => unknown
  }
  export function fromJwk (options: { jwk: object, secretKey?: boolean, id?: string, controller?: string }): Promise<Ed25519KeyPair>
  export function from (key: object): Promise<Ed25519KeyPair>
}

declare module '@digitalbazaar/did-method-key' {
  export function driver (): {
    use: (options: { multibaseMultikeyHeader: string, fromMultibase: (key: object) => Promise<unknown> }) => void
    get: (options: { did?: string, url?: string }) => Promise<Record<string, unknown>>
  }
}

declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, object>
}
