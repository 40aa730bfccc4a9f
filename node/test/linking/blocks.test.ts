import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { pino } from 'pino'
import { validateRecord, withVersionHash } from '@ceasefire/protocol'
import type { NfpRecord } from '@ceasefire/protocol'
import { blockingKeys } from '../../src/linking/blocking.ts'
import { LinkService } from '../../src/linking/links.ts'
import { FEATURE_NAMES } from '../../src/linking/pair-features.ts'
import { ModelRuntime } from '../../src/models/runtime.ts'
import { TRIAGE_FEATURE_COUNT } from '../../src/triage/features.ts'
import { NodeStore } from '../../src/store/store.ts'
import { firearmDraft } from '../helpers/cluster.ts'

// A real LevelDB store in a temp folder and the committed ONNX models. The runtime's `run` is
// wrapped, not replaced, to count the pairs each linking run scores.
const dir = mkdtempSync(join(tmpdir(), 'nfp-blocks-'))
const store = await NodeStore.open(dir)
const log = pino({ level: 'silent' })
const models = await ModelRuntime.load({ widths: { linking: FEATURE_NAMES.length, triage: TRIAGE_FEATURE_COUNT }, log })
const realRun = models.run.bind(models)
let scoredRows: number[] = []
models.run = async (name, input, rows) => {
  if (name === 'linking') scoredRows.push(rows)
  return await realRun(name, input, rows)
}
const links = new LinkService({ jurisdiction: 'NL', store, models, ingest: async () => { throw new Error('not used here') }, log, now: () => new Date('2026-12-01T00:00:00Z') })
t.teardown(async () => {
  await models.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Stores a Glock 17 of NL; every one shares make, model and calibre with all the others. */
async function storeGlock (localId: string, serialNumber: string): Promise<NfpRecord> {
  const record = validateRecord(withVersionHash({ ...firearmDraft('NL', localId, { serialNumber }), provenance: { jurisdiction: 'NL', agency: 'NL NFP', created: '2026-11-01T00:00:00.000Z', modified: '2026-11-01T00:00:00.000Z' } }))
  await store.commit({ record: { signed: { record, signature: { protected: 'x', signature: 'x' } } as any, origin: 'local', hops: [], storedAt: '2026-11-01T00:00:00.000Z' }, audit: [] })
  return record
}

/** A serial that shares no look-alike prefix or last four characters with the others. */
const serial = (n: number): string => `Q${(n * 7919).toString(36).toUpperCase().padStart(6, 'K')}${String.fromCharCode(65 + (n % 26))}${n % 10}`

t.test('scored pairs bounded as block grows', async t => {
  if (!models.available) t.fail(`the models must load for this test: ${models.status.reason ?? ''}`)
  const perRecord: number[] = []
  for (let n = 0; n < 400; n++) {
    scoredRows = []
    await links.recordStored(await storeGlock(`g-${n}`, serial(n)))
    perRecord.push(scoredRows.reduce((a, b) => a + b, 0))
  }
  // While the make-and-model block is small, each record is compared with all of it.
  t.equal(perRecord[10], 10, 'the 11th record is compared with the 10 before it')
  t.equal(perRecord[50], 50, 'a block of 50 is still compared in full')
  // Past 50 records the block is too common to bring in candidates, so only more specific keys do.
  const late = perRecord.slice(60)
  t.ok(Math.max(...late) <= 2, `records 61 to 400 score at most 2 pairs each, not hundreds (got ${Math.max(...late)})`)
  const key = blockingKeys(await storeGlock('g-probe', serial(9999))).find(k => k.includes('|make-model|'))!
  t.same(await store.read('link-blocks', key), { common: true }, 'the make-and-model block is stored as too common, with no ids')
})

t.test('look-alike serial found past a common block', async t => {
  const first = await storeGlock('dup-a', 'BDX12305')
  await links.recordStored(first)
  const proposals = await links.recordStored(await storeGlock('dup-b', 'BDX-123O5'))
  t.equal(proposals.length, 1)
  t.same(proposals[0]!.records, ['urn:nfp:nl:firearm:dup-a', 'urn:nfp:nl:firearm:dup-b'])
  t.equal(proposals[0]!.kind, 'same-firearm')
})

t.test('one run links records to earlier ones of the run', async t => {
  scoredRows = []
  const batch = [await storeGlock('run-a', 'ZK55120'), await storeGlock('run-b', 'ZK-5512O'), await storeGlock('run-c', 'WW000001')]
  const proposals = await links.recordsStored(batch)
  t.same(proposals.map(p => p.records), [['urn:nfp:nl:firearm:run-a', 'urn:nfp:nl:firearm:run-b']])
  t.equal(scoredRows.length, 1, 'one model run for the whole list')
})
