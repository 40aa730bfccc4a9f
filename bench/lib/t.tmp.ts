import { seedRecords, startCluster } from './nodes.ts'
const cluster = await startCluster(['SE', 'DE'])
const se = cluster.node('SE'); const de = cluster.node('DE')
// Stop SE's delivery so the items stay queued and can be fed to DE by hand.
se.service.delivery.stop()
const ids = await seedRecords(se, 5000, { prefix: 'p', sign: true })
for (let i = 0; i < ids.length; i += 1000) await se.service.shareMany(ids.slice(i, i + 1000), 'DE')
const items = await se.service.outbox.list('DE', 0, 5000)
const sePeer = se.service.identity.peerId
const t0 = performance.now()
let check = 0
for (let i = 0; i < items.length; i += 100) {
  const batch = items.slice(i, i + 100)
  const a = performance.now()
  const r = await de.service.receive({ type: 'share', messageId: crypto.randomUUID(), sender: 'SE', receiver: 'DE', sentAt: new Date().toISOString(), seqFrom: batch[0]!.seq, items: batch.map(x => x.item) }, sePeer)
  check += performance.now() - a
  if (r.type !== 'share-result' || r.results.some(x => x.status !== 'stored')) throw new Error(JSON.stringify(r).slice(0, 300))
}
console.log('receiver per record µs', (check / items.length * 1000).toFixed(0), 'rate', (items.length / ((performance.now() - t0) / 1000)).toFixed(0))
await cluster.close()
