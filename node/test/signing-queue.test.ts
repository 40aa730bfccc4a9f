import t from 'tap'
import { commitRecord, createRecordVerifier, generateSigningKey, importSigningKey } from '../../protocol/src/index.ts'
import type { SignedRecordV2 } from '../../protocol/src/index.ts'
import { SigningQueue } from '../src/signing-queue.ts'
import { firearmDraft } from './helpers/cluster.ts'

const pair = await generateSigningKey()
const key = { privateKey: await importSigningKey(pair.privateJwk), kid: pair.kid }
const publicKey = await importSigningKey(pair.publicJwk)
const provenance = { jurisdiction: 'SE', agency: 'SE test agency', created: '2026-12-04T10:00:00.000Z', modified: '2026-12-04T10:00:00.000Z' }
const committed = (localId: string): ReturnType<typeof commitRecord> => commitRecord({ ...firearmDraft('SE', localId), provenance })

t.test('lone record is signed at once', async t => {
  const queue = new SigningQueue('SE', () => key, () => new Date())
  const signed = await queue.sign(committed('lone-1'))
  t.same(signed.signature.proof, [], 'a batch of one')
  t.equal(signed.record.id, 'urn:nfp:se:firearm:lone-1')
})

t.test('concurrent records share a batch', async t => {
  const queue = new SigningQueue('SE', () => key, () => new Date())
  const signed: SignedRecordV2[] = await Promise.all(Array.from({ length: 10 }, async (_, i) => await queue.sign(committed(`group-${i}`))))
  const batches = new Set(signed.map(s => s.signature.batch))
  // The first record is signed alone at once; the other nine waited and share one root.
  t.equal(batches.size, 2)
  t.same(signed.map(s => s.record.id), Array.from({ length: 10 }, (_, i) => `urn:nfp:se:firearm:group-${i}`), 'each caller gets its own record')

  const verify = createRecordVerifier((j, kid) => j === 'SE' && kid === pair.kid ? publicKey : undefined)
  for (const record of signed) t.equal((await verify(JSON.parse(JSON.stringify(record)))).record.id, record.record.id)
})

t.test('failed batch rejects its records only', async t => {
  const queue = new SigningQueue('SE', () => key, () => new Date())
  const foreign = commitRecord({ ...firearmDraft('DE', 'foreign-1'), provenance: { ...provenance, jurisdiction: 'DE' } })
  const first = queue.sign(committed('before-1'))
  const failing = queue.sign(foreign)
  await t.rejects(failing, { code: 'ERR_RECORD_NOT_OWNED' })
  t.equal((await first).record.id, 'urn:nfp:se:firearm:before-1')
  t.equal((await queue.sign(committed('after-1'))).record.id, 'urn:nfp:se:firearm:after-1', 'the queue keeps working')
})
