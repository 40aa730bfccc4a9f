import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { RECORD_TYPES, canonicalize } from '../../../protocol/src/index.ts'
import type { RecordType } from '../../../protocol/src/index.ts'
import { PolicyInvalidError } from '../../../protocol/src/errors.ts'
import { createCelEnvironments } from './cel-environment.ts'
import type { CelEnvironments } from './cel-environment.ts'
import { MODULE_NAME, checkModuleDocument } from './check-module.ts'
import { registerCompiledModule } from './compiled.ts'
import type { CompiledModule, CompiledRule, CompiledSection } from './compiled.ts'
import { jsonPointer, parsePolicyJson } from './json-text.ts'
import type { JsonDocument } from './json-text.ts'
import { fail } from './problem.ts'
import { conditionReadsIntegers } from './runtime-values.ts'
import { buildFieldCatalogue } from './schema-fields.ts'
import type { FieldCatalogue } from './schema-fields.ts'
import { SECTIONS } from './types.ts'
import type { PolicyModule, Section } from './types.ts'

export interface LoadOptions {
  /** Accept rules without legal sources, so that lint can load a module and report them. */
  readonly allowMissingSources?: boolean
}

// The record schemas ship with the code, so the catalogue and the CEL environments built from
// them are the same for every module and are built once.
let shared: { catalogue: FieldCatalogue, environments: CelEnvironments } | undefined

/** Returns the field catalogue and CEL environments every module is checked against. */
export function policyEnvironment (): { catalogue: FieldCatalogue, environments: CelEnvironments } {
  if (shared === undefined) {
    const catalogue = buildFieldCatalogue()
    shared = { catalogue, environments: createCelEnvironments(catalogue) }
  }
  return shared
}

/**
 * Loads the module of `jurisdiction` from `<directory>/<jurisdiction in lower case>/module.json`,
 * checks it against the record schemas, compiles its conditions and loads the modules it
 * extends from the same folder.
 *
 * The returned module and its rules are frozen. Its `rules` list contains the base module's
 * rules first, then its own.
 *
 * @throws PolicyInvalidError naming the file, line and column and, where one applies, the rule.
 *   Causes include JSON syntax errors, unknown keys, and conditions that are not valid CEL,
 *   name fields the schemas of the rule's record types lack, mix types or do not give true
 *   or false. Others are redaction of required fields, refusal grounds outside Art. 6(1),
 *   duplicate rule ids (also across `extends`), `extends` cycles and missing modules.
 */
export function loadPolicyModule (directory: string, jurisdiction: string, options: LoadOptions = {}): PolicyModule {
  const name = jurisdiction.toLowerCase()
  if (!MODULE_NAME.test(name)) {
    throw new PolicyInvalidError(`invalid policy module name ${JSON.stringify(jurisdiction)}: use a two-letter jurisdiction code such as "EU" or "SE"`)
  }
  const loaded = loadWithBases(name, resolve(directory), [], undefined, options)
  const module = deepFreeze(loaded.module)
  registerCompiledModule(module, indexRules(loaded.compiled, policyEnvironment().catalogue))
  return module
}

interface Loaded {
  module: PolicyModule
  compiled: CompiledRule[]
  /** Parsed content of this module file and of each base, nearest first, for the hash. */
  contents: unknown[]
}

/** Loads one module and, through `extends`, its bases. `chain` lists the modules that extend it. */
function loadWithBases (name: string, directory: string, chain: readonly string[], extendedBy: JsonDocument | undefined, options: LoadOptions): Loaded {
  if (extendedBy !== undefined && chain.includes(name)) {
    fail({ document: extendedBy, pointer: '/extends' }, `extends cycle: ${[...chain, name].join(' -> ')}`)
  }

  const file = join(directory, name, 'module.json')
  const document = parsePolicyJson(readModuleText(file, name, extendedBy), file)
  const checked = checkModuleDocument(document, name, { ...policyEnvironment(), allowMissingSources: options.allowMissingSources === true })
  const base = checked.extends === undefined
    ? undefined
    : loadWithBases(checked.extends, directory, [...chain, name], document, options)

  const sectionIndex = new Map<Section, number>()
  for (const { rule } of checked.rules) {
    const index = sectionIndex.get(rule.section) ?? 0
    sectionIndex.set(rule.section, index + 1)
    const earlier = base?.module.rules.find(other => other.id === rule.id)
    if (earlier !== undefined) fail({ document, pointer: jsonPointer(rule.section, index, 'id'), rule: rule.id }, `duplicate rule id; ${earlier.file} already defines it`)
  }

  checked.hitQueries.forEach((rule, index) => {
    const earlier = base?.module.hitQueries?.find(other => other.id === rule.id)
    if (earlier !== undefined) fail({ document, pointer: jsonPointer('hitQueries', index, 'id'), rule: rule.id }, `duplicate hit query rule id; ${earlier.file} already defines it`)
  })

  const contents = [document.value, ...(base?.contents ?? [])]
  const module: PolicyModule = {
    jurisdiction: checked.jurisdiction,
    name: checked.name,
    version: checked.version,
    file,
    hash: `sha256:${createHash('sha256').update(canonicalize(contents)).digest('hex')}`,
    rules: [...(base?.module.rules ?? []), ...checked.rules.map(compiled => compiled.rule)],
    copyRules: [...(base?.module.copyRules ?? []), ...checked.copyRules],
    hitQueries: [...(base?.module.hitQueries ?? []), ...checked.hitQueries],
    ...(base === undefined ? {} : { base: base.module })
  }
  return { module, compiled: [...(base?.compiled ?? []), ...checked.rules], contents }
}

/** Groups compiled rules by section and by the record types they apply to, keeping their order. */
function indexRules (rules: readonly CompiledRule[], catalogue: FieldCatalogue): CompiledModule {
  const index = new Map<Section, Map<RecordType, CompiledSection>>()
  for (const section of SECTIONS) {
    const byType = new Map<RecordType, CompiledSection>()
    for (const type of RECORD_TYPES) {
      const root = catalogue.roots.get(type)
      const applicable = rules.filter(({ rule }) => rule.section === section && (rule.appliesTo === undefined || rule.appliesTo.includes(type)))
      const convertIntegers = root !== undefined && applicable.some(({ condition, links }) =>
        [condition, ...links.map(link => link.condition)].some(({ ast }) => conditionReadsIntegers(ast, 'record', root)))
      byType.set(type, { rules: applicable, convertIntegers })
    }
    index.set(section, byType)
  }
  return index
}

function readModuleText (file: string, name: string, extendedBy: JsonDocument | undefined): string {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    if (missing && extendedBy !== undefined) fail({ document: extendedBy, pointer: '/extends' }, `module "${name}" not found: no file ${file}`)
    if (missing) throw new PolicyInvalidError(`policy module "${name}" not found: no file ${file}`, { cause: error })
    throw new PolicyInvalidError(`${file}: failed to read policy module: ${(error as Error).message}`, { cause: error })
  }
  // Some editors save UTF-8 with a byte order mark, which JSON.parse rejects.
  return text.startsWith('\uFEFF') ? text.slice(1) : text
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
