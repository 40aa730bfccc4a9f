/** Writes a JSON Pointer (RFC 6901) from reference tokens. */
export function toPointer (...tokens: Array<string | number>): string {
  return tokens.map(t => '/' + String(t).replaceAll('~', '~0').replaceAll('/', '~1')).join('')
}

/** Splits a JSON Pointer into its reference tokens, or returns undefined when it is not one. */
export function fromPointer (pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined
  return pointer.slice(1).split('/').map(t => t.replaceAll('~1', '/').replaceAll('~0', '~'))
}
