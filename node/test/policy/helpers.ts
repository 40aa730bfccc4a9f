import type { Test } from 'tap'
import { fileURLToPath } from 'node:url'
import { NfpError } from '../../../protocol/src/index.ts'
import { loadPolicyModule } from '../../src/policy/index.ts'
import type { OutboundContext, PolicyModule } from '../../src/policy/index.ts'

export const POLICIES = fileURLToPath(new URL('../../../policies/', import.meta.url))

export const NOW = new Date('2026-12-04T10:00:00Z')
export const CONTEXT: OutboundContext = { self: { jurisdiction: 'SE' }, recipient: { jurisdiction: 'DE' }, now: NOW }
export const SOURCE = { act: 'Test Act', article: 'Art. 1', checked: true }

/** Builds a rule of the test module; `extra` adds or overrides keys. */
export function rule (id: string, effect: string, when: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, title: `Test rule ${id}.`, sources: [SOURCE], when, effect, ...extra }
}

export const PERMIT_ALL = rule('XX-ALL-01', 'permit', 'true')

/** Builds the content of a test module `xx` with the given sections. */
export function moduleContent (sections: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { jurisdiction: 'XX', name: 'test module', version: '2026-12-04.1', ...sections, ...extra }
}

/** Writes one `<name>/module.json` per entry into a fresh folder; strings are written as they are. */
export function writeModules (t: Test, modules: Record<string, unknown>): string {
  const tree: Record<string, Record<string, string>> = {}
  for (const [name, content] of Object.entries(modules)) {
    tree[name] = { 'module.json': typeof content === 'string' ? content : JSON.stringify(content, null, 2) }
  }
  return t.testdir(tree)
}

/** Writes a module of the given outbound rules (and other sections) and loads it with the real loader. */
export function moduleOf (t: Test, outbound: unknown[], sections: Record<string, unknown> = {}): PolicyModule {
  return loadPolicyModule(writeModules(t, { xx: moduleContent({ outbound, ...sections }) }), 'xx')
}

/** Loads module `name` from `directory` and returns the error it raises. */
export function loadError (directory: string, name: string): NfpError {
  try {
    loadPolicyModule(directory, name)
  } catch (error) {
    if (error instanceof NfpError) return error
    throw error
  }
  throw new Error(`module ${name} loaded, but an error was expected`)
}

/** Loads a module made of the given outbound rules and returns the error it raises. */
export function ruleError (t: Test, outbound: unknown[], sections: Record<string, unknown> = {}): NfpError {
  return loadError(writeModules(t, { xx: moduleContent({ outbound, ...sections }) }), 'xx')
}

const BASE = {
  '@context': 'urn:ceasefire:context:v1',
  versionHash: 'sha256:' + '0'.repeat(64),
  provenance: { jurisdiction: 'SE', agency: 'Polisen', created: '2026-10-02T08:15:00Z', modified: '2026-10-03T09:40:00Z' },
  handlingCode: 'H0',
  grading: { sourceReliability: 'B', informationAccuracy: 2 },
  legalBasis: 'Directive (EU) 2023/977 Art. 7(1)',
  reviewBy: '2029-10-02'
}

export function person (extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...structuredClone(BASE),
    id: 'urn:nfp:se:person:ps-1',
    type: 'Person',
    subjectCategory: 'witness',
    familyName: 'Lindqvist',
    dateOfBirth: '1988-04-17',
    address: 'Storgatan 12, Malmo',
    ...extra
  }
}

export function firearm (extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(BASE), id: 'urn:nfp:se:firearm:fa-1', type: 'Firearm', make: 'Glock', model: '17', ...extra }
}

export function seizure (extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...structuredClone(BASE), id: 'urn:nfp:se:seizure:sz-1', type: 'Seizure', date: '2026-10-01', country: 'SE', ...extra }
}
