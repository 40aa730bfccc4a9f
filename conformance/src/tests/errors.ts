import { readFileSync } from 'node:fs'
import type { ConformanceTest } from '../suite.ts'
import { check } from '../suite.ts'
import { requirement } from '../requirements.ts'

/** Reads the codes of the table in docs/errors.md, which SPEC section 12 makes normative. */
export function tableCodes (): Set<string> {
  const text = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  return new Set(Array.from(text.matchAll(/^\|\s*`(ERR_[A-Z0-9_]+)`/gm), m => m[1] as string))
}

export function errorCodeTests (): ConformanceTest[] {
  return [
    {
      id: 'ERR-12-1',
      ...requirement('ERR-12-1'),
      run: async (ctx) => {
        const listed = tableCodes()
        const unknown = [...ctx.seenCodes].filter(c => !listed.has(c))
        check(ctx.seenCodes.size > 0, 'the node sent no error code during the run, so nothing could be checked')
        check(unknown.length === 0, `codes not in the table: ${unknown.join(', ')}`)
        return `${ctx.seenCodes.size} codes seen: ${[...ctx.seenCodes].sort().join(', ')}`
      }
    }
  ]
}
