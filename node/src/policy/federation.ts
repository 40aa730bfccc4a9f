import { readdirSync } from 'node:fs'
import { MODULE_NAME } from './check-module.ts'

/** Stand-ins used when a policies folder contains fewer than three national modules. */
const FALLBACK_MEMBERS = ['DE', 'FR', 'NL', 'SE']

/**
 * Returns the jurisdictions whose modules sit in `directory`: every two-letter folder except
 * `eu`, in upper case. Fewer than three are topped up from DE, FR, NL and SE, so that generated
 * cases have a sender, a recipient and a third jurisdiction for onward sharing.
 */
export function memberJurisdictions (directory: string): string[] {
  let names: string[] = []
  try {
    names = readdirSync(directory, { withFileTypes: true })
      .filter(entry => entry.isDirectory() && MODULE_NAME.test(entry.name) && entry.name !== 'eu')
      .map(entry => entry.name.toUpperCase())
  } catch {
    // A missing folder has no members; the fallback list below still gives cases to run.
  }
  const members = new Set(names)
  for (const code of FALLBACK_MEMBERS) {
    if (members.size >= 3) break
    members.add(code)
  }
  return [...members].sort()
}
