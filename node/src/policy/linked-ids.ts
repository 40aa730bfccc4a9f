import type { RecordType } from '../../../protocol/src/index.ts'
import { compiledModuleOf } from './compiled.ts'
import type { PolicyModule, Section } from './types.ts'

/**
 * Returns the ids of the linked records that the link conditions of `section` would read for
 * `record`, so that a caller can look them up before it decides and pass them as `linked`.
 * Links to records of types no rule reads are left out, as are ids that are not text.
 */
export function linkedIdsToResolve (module: PolicyModule, section: Section, record: Readonly<Record<string, unknown>>): string[] {
  const rules = compiledModuleOf(module)?.get(section)?.get(record.type as RecordType)?.rules ?? []
  const ids = new Set<string>()
  for (const { links } of rules) {
    for (const { spec, idTypes } of links) {
      const value = record[spec.field]
      const candidates = Array.isArray(value) ? value : [value]
      for (const id of candidates) {
        if (typeof id === 'string' && idTypes.has(id.split(':')[3] ?? '')) ids.add(id)
      }
    }
  }
  return [...ids]
}
