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

// Maximum number of records linked and triaged in one run, which makes one index commit and one model run.
const RUN_RECORDS = 200

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
  const linkAndTriage = async (records: NfpRecord[]): Promise<void> => {
    try {
      await triage.recordsStored(records)
      await links.recordsStored(records)
    } catch (err) {
      // Linking and triage are advisory: a failure must not undo or fail the storing itself.
      modelLog.error({ records: records.length, err: (err as Error).message }, 'linking or triage of stored records failed')
    }
  }

  // Linking and triage take milliseconds per record, so they run in order after the record is
  // stored, and a peer's receipt does not wait for them. The records that queue up while a run
  // works go into the next run together, so a fast sender's records share the index commit and
  // the model runs. Reads of links and triage wait for the queue (settled), so they see every
  // record stored before the read.
  let pending: NfpRecord[] = []
  let running: Promise<void> | undefined
  const drain = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending.slice(0, RUN_RECORDS)
      pending = pending.slice(batch.length)
      await linkAndTriage(batch)
    }
  }
  const start = (): void => {
    running = drain().finally(() => {
      running = undefined
      // A record queued after the loop saw an empty queue, but before this ran, starts a new run.
      if (pending.length > 0) start()
    })
  }
  const recordStored = async (record: NfpRecord): Promise<void> => {
    pending.push(record)
    if (running === undefined) start()
    if (pending.length > MAX_QUEUED) await running
  }
  const settled = async (): Promise<void> => {
    while (running !== undefined) await running
  }
  service.onRecordStored = recordStored
  return { runtime, links, triage, recordStored, settled }
}
