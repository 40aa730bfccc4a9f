// A narrow local declaration of the jsonld 9 API we use; @types/jsonld 1.5 is out of date
// (callback-style loader, no 'RDFC-1.0').
declare module 'jsonld' {
  /** With `tag: 'static'`, jsonld caches the processed document for the life of the process. */
  export interface RemoteDocument { contextUrl: string | null, documentUrl: string, document: unknown, tag?: 'static' }
  export type DocumentLoader = (url: string) => Promise<RemoteDocument>
  export interface Options { documentLoader?: DocumentLoader, safe?: boolean, base?: string | null }
  export interface CanonizeOptions extends Options { algorithm: 'RDFC-1.0' | 'URDNA2015', format?: 'application/n-quads' }
  const jsonld: {
    expand(input: unknown, options?: Options): Promise<unknown[]>
    canonize(input: unknown, options: CanonizeOptions): Promise<string>
  }
  export default jsonld
}
