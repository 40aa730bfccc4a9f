import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import type { Logger } from 'pino'
import { NfpError, errors } from '@ceasefire/protocol'
import { loadPolicyModule } from './policy/index.ts'
import type { PolicyModule } from './policy/index.ts'
import { verifyModuleChain } from './policy-trust.ts'
import type { ModuleSignature, PolicyTrust } from './policy-trust.ts'

/** The module a node decides with, and who signed each file of its chain. */
export interface ActivePolicy {
  module: PolicyModule
  signatures: ModuleSignature[]
  loadedAt: string
}

/** Loads a jurisdiction's module and checks its signatures; throws PolicyInvalidError. */
export async function loadActivePolicy (policiesDir: string, jurisdiction: string, trust: PolicyTrust): Promise<ActivePolicy> {
  const module = loadPolicyModule(policiesDir, jurisdiction)
  const signatures = await verifyModuleChain(module, trust)
  return { module, signatures, loadedAt: new Date().toISOString() }
}

/** Time to wait after the last change in the folder before reloading; an editor saves in several writes. */
const DEBOUNCE_MS = 300

/**
 * Reloads the module whenever a file under the policies folder changes. A module that fails to
 * load or to verify is reported and the previous one stays active, so a broken edit never
 * leaves the node without rules.
 */
export function watchPolicies (
  policiesDir: string,
  reload: () => Promise<void>,
  log: Logger
): { close: () => void } {
  let timer: NodeJS.Timeout | undefined
  let running = Promise.resolve()
  let watcher: FSWatcher
  try {
    watcher = watch(policiesDir, { recursive: true }, () => {
      if (timer !== undefined) clearTimeout(timer)
      timer = setTimeout(() => {
        running = running.then(reload).catch((err: unknown) => {
          log.error({ code: err instanceof NfpError ? err.code : undefined, err: (err as Error).message }, 'policy reload failed')
        })
      }, DEBOUNCE_MS)
    })
  } catch (err) {
    throw new errors.ConfigInvalidError(`cannot watch policy folder \`${policiesDir}\`: ${(err as Error).message}`, { cause: err })
  }
  return {
    close: () => {
      if (timer !== undefined) clearTimeout(timer)
      watcher.close()
    }
  }
}
