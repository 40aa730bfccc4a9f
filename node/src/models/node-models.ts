import type { NfpRecord } from '@ceasefire/protocol'
import type { Logger } from 'pino'
import { LinkService } from '../linking/links.ts'
import { FEATURE_NAMES } from '../linking/pair-features.ts'
import type { NodeService } from '../service.ts'
import { TRIAGE_FEATURE_COUNT } from '../triage/features.ts'
import { TriageService } from '../triage/triage.ts'
import { ModelRuntime } from './runtime.ts'
import type { LoadModelsOptions } from './runtime.ts'

/** The node's model-backed features: the runtime, record linking and listing triage. */
export interface NodeModels {
  runtime: ModelRuntime
  links: LinkService
  triage: TriageService
  /** Indexes, links and triages a record the node just stored. Failures are logged, not thrown. */
  recordStored: (record: NfpRecord) => Promise<void>
}

/**
 * Loads the models and connects linking and triage to the node: every record the node stores,
 * by ingest, from a peer or out of quarantine, is indexed, linked and (a WebListing) triaged.
 */
export async function attachModels (service: NodeService, log: Logger, options: Pick<LoadModelsOptions, 'modelsDir' | 'runtimeModule'> = {}): Promise<NodeModels> {
  const modelLog = log.child({ component: 'models' })
  const runtime = await ModelRuntime.load({ ...options, widths: { linking: FEATURE_NAMES.length, triage: TRIAGE_FEATURE_COUNT }, log: modelLog })
  const links = new LinkService({
    jurisdiction: service.jurisdiction,
    store: service.store,
    models: runtime,
    ingest: async (draft) => (await service.ingest(draft)).stored,
    log: modelLog,
    now: () => new Date()
  })
  const triage = new TriageService({ store: service.store, models: runtime, log: modelLog })
  const recordStored = async (record: NfpRecord): Promise<void> => {
    try {
      await triage.recordStored(record)
      await links.recordStored(record)
    } catch (err) {
      // Linking and triage are advisory: a failure must not undo or fail the storing itself.
      modelLog.error({ recordId: record.id, err: (err as Error).message }, 'linking or triage of a stored record failed')
    }
  }
  service.onRecordStored = recordStored
  return { runtime, links, triage, recordStored }
}
