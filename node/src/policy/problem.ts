import { PolicyInvalidError } from '../../../protocol/src/errors.ts'
import type { JsonDocument } from './json-text.ts'

/** Location of a problem in a module file. */
export interface ProblemSite {
  readonly document: JsonDocument
  /** JSON pointer of the offending value, such as `/outbound/2/when`. */
  readonly pointer: string
  /** Id of the rule, or `#<number>` for a rule without a valid id. */
  readonly rule?: string
  /** Point at the key of the member instead of its value, for unknown keys. */
  readonly key?: boolean
  /** Offset inside the string value, for a problem inside a condition. */
  readonly index?: number
}

/**
 * Throws PolicyInvalidError naming the file, line, column, rule and path of the problem, as in
 * `policies/se/module.json:14:19: rule SE-JUD-01: outbound[0].when: No such key: subjectCategry`.
 */
export function fail (site: ProblemSite, problem: string): never {
  const { file, line, column } = site.index !== undefined
    ? site.document.locateInString(site.pointer, site.index)
    : site.key === true ? site.document.locateKey(site.pointer) : site.document.locate(site.pointer)
  const rule = site.rule === undefined ? '' : ` rule ${site.rule}:`
  const path = readablePath(site.pointer)
  throw new PolicyInvalidError(`${file}:${line}:${column}:${rule} ${path === '' ? '' : `${path}: `}${problem}`, { field: path })
}

/** Turns `/outbound/2/fields/0` into `outbound[2].fields[0]`. */
export function readablePath (pointer: string): string {
  let path = ''
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~')
    if (/^\d+$/.test(key)) path += `[${key}]`
    else path += path === '' ? key : `.${key}`
  }
  return path
}

export function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
