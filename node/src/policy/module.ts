import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PolicyInvalidError } from '../../../protocol/src/errors.ts'
import { fail } from './check-condition.ts'
import { MODULE_NAME, checkModuleDocument } from './check-module.ts'
import { parsePolicyJson } from './json-text.ts'
import { buildFieldCatalogue } from './schema-fields.ts'
import type { FieldCatalogue } from './schema-fields.ts'
import type { PolicyModule } from './types.ts'

let catalogue: FieldCatalogue | undefined

/**
 * Loads the module of `jurisdiction` from `<directory>/<jurisdiction in lower case>/module.json`,
 * checks it against the record schemas and loads the modules it extends from the same folder.
 *
 * The returned module and its rules are frozen. Its `rules` list contains the base module's
 * rules first, then its own.
 *
 * @throws PolicyInvalidError naming the file and, where one applies, the rule and the
 *   location in the file. Causes: JSON syntax errors (with line and column); unknown keys,
 *   operators or variables; fields no record schema defines; values a field can never take;
 *   redaction of required fields; refusal grounds outside Art. 6(1); duplicate rule ids, also
 *   across `extends`; `extends` cycles; missing modules.
 */
export function loadPolicyModule (directory: string, jurisdiction: string): PolicyModule {
  const name = jurisdiction.toLowerCase()
  if (!MODULE_NAME.test(name)) {
    throw new PolicyInvalidError(`invalid policy module name ${JSON.stringify(jurisdiction)}: use a two-letter jurisdiction code such as "EU" or "SE"`)
  }
  catalogue ??= buildFieldCatalogue()
  return deepFreeze(loadWithBases(name, resolve(directory), [], undefined, catalogue))
}

/** Loads one module and, through `extends`, its bases. `chain` lists the modules that extend it. */
function loadWithBases (name: string, directory: string, chain: readonly string[], extendedBy: string | undefined, fields: FieldCatalogue): PolicyModule {
  if (extendedBy !== undefined && chain.includes(name)) {
    fail({ file: extendedBy }, 'extends', `extends cycle: ${[...chain, name].join(' -> ')}`)
  }

  const file = join(directory, name, 'module.json')
  const text = readModuleText(file, name, extendedBy)
  const document = checkModuleDocument(parsePolicyJson(text, file), file, name, fields)
  const base = document.extends === undefined
    ? undefined
    : loadWithBases(document.extends, directory, [...chain, name], file, fields)

  document.rules.forEach((rule, index) => {
    const earlier = base?.rules.find(other => other.id === rule.id)
    if (earlier !== undefined) fail({ file, rule: rule.id }, `rules[${index}].id`, `duplicate rule id; ${earlier.file} already defines it`)
  })

  const module = {
    jurisdiction: document.jurisdiction,
    name: document.name,
    version: document.version,
    file,
    rules: [...(base?.rules ?? []), ...document.rules]
  }
  return base === undefined ? module : { ...module, base }
}

function readModuleText (file: string, name: string, extendedBy: string | undefined): string {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    if (missing && extendedBy !== undefined) fail({ file: extendedBy }, 'extends', `module "${name}" not found: no file ${file}`)
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
