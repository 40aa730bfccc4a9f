import type { RuleSource } from './types.ts'

/**
 * Formats sources as `Act Article(paragraph) [ruleRef] (checked)`, joined with "; ", for
 * example `Directive (EU) 2023/977 Art. 6(1)(h) [IED-42] (checked)`.
 */
export function formatCitation (sources: readonly RuleSource[]): string {
  return sources.map(source => {
    const ruleRef = source.ruleRef === undefined ? '' : ` [${source.ruleRef}]`
    return `${source.act} ${source.article}${source.paragraph ?? ''}${ruleRef} (${source.checked ? 'checked' : 'not checked'})`
  }).join('; ')
}
