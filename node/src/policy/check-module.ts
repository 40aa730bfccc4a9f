import { checkRule } from './check-rule.ts'
import type { RuleContext } from './check-rule.ts'
import type { CompiledRule } from './compiled.ts'
import { checkCopyRules } from './copies.ts'
import type { CopyRule } from './copies.ts'
import { jsonPointer } from './json-text.ts'
import type { JsonDocument } from './json-text.ts'
import { fail, isObject } from './problem.ts'
import { SECTIONS } from './types.ts'
import { checkHitQueryRules } from './hit-queries.ts'
import type { HitQueryRule } from './hit-queries.ts'

/** The content of one module file after checking, before its base module is resolved. */
export interface ModuleDocument {
  readonly jurisdiction: string
  readonly name: string
  readonly version: string
  readonly extends?: string
  /** Rules of every section, in the order of SECTIONS. */
  readonly rules: readonly CompiledRule[]
  /** Rules of the `copies` list: which exchanges are copied to a Single Point of Contact or Europol. */
  readonly copyRules: readonly CopyRule[]
  readonly hitQueries: readonly HitQueryRule[]
}

const MODULE_KEYS = ['jurisdiction', 'name', 'version', 'extends', ...SECTIONS, 'copies', 'hitQueries']

/** Module folder names: lower-case jurisdiction codes such as `eu` or `se`. */
export const MODULE_NAME = /^[a-z]{2}$/
// A date and a sequence number, so that versions sort in the order they were issued.
const VERSION = /^\d{4}-\d{2}-\d{2}\.\d+$/

/**
 * Checks the parsed content of `<name>/module.json` and compiles its rules.
 *
 * @throws PolicyInvalidError naming the file, line, column, rule and problem. Rules of the
 *   module named in `extends` are not checked here.
 */
export function checkModuleDocument (
  document: JsonDocument, name: string, context: Omit<RuleContext, 'document' | 'jurisdiction'>
): ModuleDocument {
  const content = document.value
  const at = (key: string): { document: JsonDocument, pointer: string } => ({ document, pointer: jsonPointer(key) })
  if (!isObject(content)) fail({ document, pointer: '' }, 'a policy module must be a JSON object')
  for (const key of Object.keys(content)) {
    if (!MODULE_KEYS.includes(key)) fail({ ...at(key), key: true }, `unknown key "${key}"; allowed keys: ${MODULE_KEYS.join(', ')}`)
  }

  const jurisdiction = content.jurisdiction
  if (typeof jurisdiction !== 'string' || jurisdiction !== name.toUpperCase()) {
    fail(at('jurisdiction'), `must be "${name.toUpperCase()}" to match the folder name "${name}", got ${JSON.stringify(jurisdiction)}`)
  }
  const title = content.name
  if (typeof title !== 'string' || title.trim() === '') fail(at('name'), 'must be a non-empty string')
  const version = content.version
  if (typeof version !== 'string' || !VERSION.test(version)) {
    fail(at('version'), `must be a date and a sequence number such as "2026-12-04.1", got ${JSON.stringify(version)}`)
  }
  const base = content.extends
  if (base !== undefined && (typeof base !== 'string' || !MODULE_NAME.test(base))) {
    fail(at('extends'), `must be the folder name of another module, such as "eu", got ${JSON.stringify(base)}`)
  }

  const ruleContext: RuleContext = { ...context, document, jurisdiction }
  const rules: CompiledRule[] = []
  for (const section of SECTIONS) {
    const list = content[section]
    if (list === undefined) continue
    if (!Array.isArray(list)) fail(at(section), `must be a list of rules (it may be empty)`)
    list.forEach((rule, index) => rules.push(checkRule(rule, section, index, ruleContext)))
  }
  rejectDuplicateIds(rules, document)
  const copyRules = checkCopyRules(content.copies, document, context.allowMissingSources)
  for (const [index, copyRule] of copyRules.entries()) {
    if (rules.some(r => r.rule.id === copyRule.id) || copyRules.findIndex(r => r.id === copyRule.id) !== index) {
      fail({ document, pointer: jsonPointer('copies', index, 'id'), rule: copyRule.id }, 'duplicate rule id; another rule of this module already uses it')
    }
  }
  const hitQueries = checkHitQueryRules(content.hitQueries, document, document.file, context.allowMissingSources)

  const result = { jurisdiction, name: title, version, rules, copyRules, hitQueries }
  return base === undefined ? result : { ...result, extends: base }
}

function rejectDuplicateIds (rules: readonly CompiledRule[], document: JsonDocument): void {
  const seen = new Map<string, CompiledRule>()
  const indexInSection = new Map<string, number>()
  for (const compiled of rules) {
    const { id, section } = compiled.rule
    const index = indexInSection.get(section) ?? 0
    indexInSection.set(section, index + 1)
    const first = seen.get(id)
    if (first !== undefined) {
      fail({ document, pointer: jsonPointer(section, index, 'id'), rule: id }, `duplicate rule id; the ${first.rule.section} section already uses it at line ${first.rule.position.line}`)
    }
    seen.set(id, compiled)
  }
}
