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
  /**
   * Queues a record the node just stored for linking and triage, and returns once it is queued.
   * Failures are logged, not thrown.
   */
  recordStored: (record: NfpRecord) => Promise<void>
  /** Resolves once every record queued so far has been linked and triaged. */
  settled: () => Promise<void>
}

// Records queued beyond this make the storing path wait, so a fast sender cannot grow the queue
// without bound.
const MAX_QUEUED = 1000

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
  const linkAndTriage = async (record: NfpRecord): Promise<void> => {
    try {
      await triage.recordStored(record)
      await links.recordStored(record)
    } catch (err) {
      // Linking and triage are advisory: a failure must not undo or fail the storing itself.
      modelLog.error({ recordId: record.id, err: (err as Error).message }, 'linking or triage of a stored record failed')
    }
  }

  // Linking and triage take milliseconds per record, so they run in order after the record is
  // stored, and a peer's receipt does not wait for them. Reads of links and triage wait for the
  // queue (settled), so they see every record stored before the read.
  let queue: Promise<void> = Promise.resolve()
  let queued = 0
  const recordStored = async (record: NfpRecord): Promise<void> => {
    queued++
    queue = queue.then(async () => {
      await linkAndTriage(record)
      queued--
    })
    if (queued > MAX_QUEUED) await queue
  }
  const settled = async (): Promise<void> => { await queue }
  service.onRecordStored = recordStored
  return { runtime, links, triage, recordStored, settled }
}
