/**
 * Measures hit/no-hit queries in two parts, each next to a baseline measured in the same run:
 *
 * 1. Local lookup against a hit index of one million entries: the responder's confirm lookup,
 *    the querier's filter test, and the responder's OPRF evaluation of a blinded element, next
 *    to a plain `Map.get` on a million keys and a bare RFC 9497 evaluation.
 * 2. End-to-end latency of a query from one node to nine others, all ten real nodes with real
 *    libp2p and LevelDB on 127.0.0.1 in this process, next to a bare parallel round trip to the
 *    same nine peers (an empty filter delta, which needs no OPRF work).
 *
 * Run it with `node bench/hits.ts`. `--write` replaces the section of docs/benchmarks.md between
 * its markers; `--entries N` and `--queries N` change the index size (default 1,000,000) and
 * the number of measured queries (default 500).
 */
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, platform, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { blindInput, evaluateBlinded, generateOprfKey, normaliseIdentifier, oprfInputOf } from '../protocol/src/index.ts'
import { HitIndex } from '../node/src/hits/hit-index.ts'
import { sendHitMessage } from '../node/src/net/hits.ts'
import type { Decision } from '../node/src/policy/index.ts'
import { NodeStore } from '../node/src/store/store.ts'
import { POLICIES_DIR, firearmDraft, startCluster } from '../node/test/helpers/cluster.ts'

const DOC = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url))
const START = '<!-- hits:start -->'
const END = '<!-- hits:end -->'
const PEERS = ['DE', 'NL', 'SE', 'FR', 'AT', 'DK', 'CY', 'BE', 'IT', 'ES']
const FIREARMS_PER_NODE = 20
/** Calls per measured `HitIndex.lookup` row. */
const LOOKUP_CALLS = 100_000

/** Times `work` `count` times after `warmup` runs and returns the median and 99th percentile in ms. */
async function time (count: number, warmup: number, work: (i: number) => unknown): Promise<{ median: number, p95: number, p99: number, max: number }> {
  for (let i = 0; i < warmup; i++) await work(i)
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    await work(i)
    samples.push(performance.now() - start)
  }
  samples.sort((a, b) => a - b)
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!
  return { median: at(0.5), p95: at(0.95), p99: at(0.99), max: samples[samples.length - 1]! }
}

/** Times a synchronous operation over many calls and returns the mean per call in ms. */
/** Returns the mean time of one awaited call of `work` in ms, after a warm-up of up to 1,000 calls. */
async function meanPerAwaitedCall (calls: number, work: (i: number) => Promise<unknown>): Promise<number> {
  let sink = 0
  for (let i = 0; i < Math.min(calls, 1000); i++) if (await work(i) !== undefined) sink++
  const start = performance.now()
  for (let i = 0; i < calls; i++) if (await work(i) !== undefined) sink++
  const elapsed = performance.now() - start
  if (sink < 0) console.log(sink)
  return elapsed / calls
}

function meanPerCall (calls: number, work: (i: number) => unknown): number {
  let sink = 0
  for (let i = 0; i < Math.min(calls, 10_000); i++) if (work(i)) sink++
  const start = performance.now()
  for (let i = 0; i < calls; i++) if (work(i)) sink++
  const elapsed = performance.now() - start
  // The sink keeps the optimiser from dropping work whose result is never used.
  if (sink < 0) console.log(sink)
  return elapsed / calls
}

async function localLookup (entries: number): Promise<{ rows: string[][], lookupMs: number, writtenS: number, buildS: number }> {
  const folder = mkdtempSync(join(tmpdir(), 'nfp-bench-hits-'))
  const store = await NodeStore.open(join(folder, 'db'))
  const tokens: string[] = []
  const buildStart = performance.now()
  // Entries are written the way the index stores them; tokens and tags of real identifiers are
  // SHA-256 outputs, so random bytes have the same distribution.
  for (let offset = 0; offset < entries; offset += 50_000) {
    const writes = []
    for (let i = offset; i < Math.min(entries, offset + 50_000); i++) {
      const token = randomBytes(32).toString('hex')
      const tag = randomBytes(5).toString('hex')
      const recordId = `urn:nfp:se:firearm:bench-${i}`
      if (i % 1000 === 0) tokens.push(token)
      writes.push({ collection: 'hit-index' as const, key: `r!${recordId}`, value: { jurisdiction: 'SE', entries: [{ type: 'firearm-serial', token, tag }] } })
      writes.push({ collection: 'hit-index' as const, key: `t!firearm-serial!${token}!${recordId}`, value: { tag, jurisdiction: 'SE' } })
    }
    await store.commit({ writes, audit: [] })
  }
  await store.commit({ writes: [{ collection: 'hit-index', key: 'layout', value: { layout: 2 } }], audit: [] })
  const writtenS = (performance.now() - buildStart) / 1000
  const permit = { effect: 'permit', reasons: [], module: { hash: 'sha256:bench' } } as unknown as Decision
  const loadStart = performance.now()
  const index = await HitIndex.open(store, () => permit)
  await index.loaded()
  const buildS = (performance.now() - loadStart) / 1000
  const size = await index.size('firearm-serial')
  if (size !== entries) throw new Error(`hit index contains ${size} entries, expected ${entries}`)

  const missing = Array.from({ length: 1000 }, () => randomBytes(32).toString('hex'))
  const filter = new Set<string>()
  for (let offset = 0; ; ) {
    const page = await index.filterPage('firearm-serial', offset)
    for (const tag of page.tags) filter.add(tag)
    offset += page.tags.length
    if (offset >= page.total) break
  }
  const plain = new Map<string, string>()
  for (let i = 0; i < entries; i++) plain.set(randomBytes(32).toString('hex'), 'x')
  const plainKeys = [...plain.keys()].filter((_, i) => i % 1000 === 0)

  const blinded = Array.from({ length: 200 }, (_, i) => blindInput(oprfInputOf(normaliseIdentifier({ type: 'firearm-serial', serialNumber: `B${i}`, make: 'Glock' }))).blinded)
  const key = generateOprfKey()

  const calls = 1_000_000
  // Lookups are awaited and a held token reads LevelDB, so they get fewer calls.
  const hitLookup = await meanPerAwaitedCall(LOOKUP_CALLS, async i => await index.lookup('firearm-serial', tokens[i % tokens.length]!))
  const missLookup = await meanPerAwaitedCall(LOOKUP_CALLS, async i => await index.lookup('firearm-serial', missing[i % missing.length]!))
  // Half the probes are tags the filter contains, so every test must search the set.
  const probes = [...Array.from(filter).slice(0, 500), ...missing.slice(0, 500).map(token => token.slice(0, 10))]
  const filterTest = meanPerCall(calls, i => filter.has(probes[i % probes.length]!))
  const mapGet = meanPerCall(calls, i => plain.get(plainKeys[i % plainKeys.length]!))
  const evaluate = meanPerCall(2000, i => index.evaluate('firearm-serial', blinded[i % blinded.length]!))
  const bareOprf = meanPerCall(2000, i => evaluateBlinded(key, blinded[i % blinded.length]!))

  await store.close()
  rmSync(folder, { recursive: true, force: true })
  const row = (label: string, ms: number, base: number): string[] => [label, `${(ms * 1000).toFixed(2)} µs`, (ms / base).toFixed(2)]
  return {
    writtenS,
    buildS,
    lookupMs: hitLookup + filterTest + evaluate,
    rows: [
      row('baseline: `Map.get` on 1,000,000 string keys', mapGet, mapGet),
      row('confirm lookup `HitIndex.lookup`, token held', hitLookup, mapGet),
      row('confirm lookup `HitIndex.lookup`, token not held', missLookup, mapGet),
      row('querier filter test (`Set.has` on the full filter)', filterTest, mapGet),
      row('baseline: bare RFC 9497 `blindEvaluate` (ristretto255)', bareOprf, bareOprf),
      row('responder evaluation `HitIndex.evaluate`', evaluate, bareOprf)
    ]
  }
}

async function endToEnd (queries: number): Promise<{ query: Awaited<ReturnType<typeof time>>, baseline: Awaited<ReturnType<typeof time>>, hits: number }> {
  // The repository has modules for seven members; the other three get modules with only the EU rules.
  const policies = mkdtempSync(join(tmpdir(), 'nfp-bench-policies-'))
  cpSync(POLICIES_DIR, policies, { recursive: true })
  for (const jurisdiction of PEERS) {
    const folder = join(policies, jurisdiction.toLowerCase())
    if (existsSync(folder)) continue
    mkdirSync(folder)
    writeFileSync(join(folder, 'module.json'), JSON.stringify({ jurisdiction, name: `Benchmark module of ${jurisdiction} (EU rules only)`, version: '2026-12-04.1', extends: 'eu' }))
  }
  const cluster = await startCluster(PEERS, { policiesDir: policies, config: { hits: { maxEvaluationsPerMinute: 1_000_000, queryTimeoutMs: 10_000 } } })
  try {
    for (const [n, jurisdiction] of PEERS.entries()) {
      for (let i = 0; i < FIREARMS_PER_NODE; i++) {
        await cluster.node(jurisdiction).service.ingest(firearmDraft(jurisdiction, `bench-${i}`, { serialNumber: `${jurisdiction}${n}-${i}`, make: 'Glock' }))
      }
    }
    const querier = cluster.node(PEERS[0]!)
    const others = PEERS.slice(1).map(jurisdiction => cluster.members.get(jurisdiction)!)
    const serial = (i: number): string => i % 2 === 0 ? `${PEERS[1 + (i % 9)]}${1 + (i % 9)}-${i % FIREARMS_PER_NODE}` : `MISSING-${i}`
    let hits = 0
    const query = await time(queries, 20, async (i) => {
      const result = await querier.hits.query({ type: 'firearm-serial', serialNumber: serial(i), make: 'Glock' })
      if (result.results.some(entry => entry.status === 'unanswered' || entry.status === 'rejected')) throw new Error(`query ${i} left peers unanswered: ${JSON.stringify(result.results)}`)
      hits += result.results.filter(entry => entry.status === 'hit').length
    })
    const network = (querier.service as unknown as { network: Parameters<typeof sendHitMessage>[0] }).network
    const baseline = await time(queries, 20, async () => {
      await Promise.all(others.map(async peer => await sendHitMessage(network, peer, {
        type: 'hit-filter', sender: PEERS[0]!, receiver: peer.jurisdiction, identifierType: 'firearm-serial', keyEpoch: 1, sinceVersion: FIREARMS_PER_NODE
      }, AbortSignal.timeout(10_000))))
    })
    return { query, baseline, hits }
  } finally {
    await cluster.close()
    rmSync(policies, { recursive: true, force: true })
  }
}

function describeMachine (): string {
  let cpu = 'unknown CPU'
  if (existsSync('/proc/cpuinfo')) cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu
  return `${cpu}, ${availableParallelism()} logical CPUs, ${platform()} ${release()}, Node.js ${process.version}`
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { write: { type: 'boolean' }, entries: { type: 'string' }, queries: { type: 'string' } } })
  const loadBefore = loadavg()[0]!
  const entries = Number(values.entries ?? 1_000_000)
  const queries = Number(values.queries ?? 500)

  console.log(`building a hit index of ${entries} entries …`)
  const local = await localLookup(entries)
  console.log(`starting ${PEERS.length} nodes and running ${queries} queries …`)
  const e2e = await endToEnd(queries)
  const ms = (value: number): string => `${value.toFixed(1)} ms`
  const e2eRow = (label: string, t: Awaited<ReturnType<typeof time>>): string => `| ${label} | ${ms(t.median)} | ${ms(t.p95)} | ${ms(t.p99)} | ${ms(t.max)} | ${(t.p99 / e2e.baseline.p99).toFixed(2)} |`

  const section = [
    START,
    '## Hit/no-hit queries',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`node bench/hits.ts --write\` (script \`bench/hits.ts\`).`,
    '',
    `Machine: ${describeMachine()}. The one-minute load average was ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after the run; on a shared machine treat the figures as estimates. All ten nodes share this machine's CPUs, so the OPRF work that ten machines would do in parallel runs here in turn.`,
    '',
    `### Local lookup, index of ${entries.toLocaleString('en-US')} entries`,
    '',
    `The index entries were written to LevelDB in ${local.writtenS.toFixed(1)} s; \`HitIndex.open\` then loaded its in-memory filters (filter tags and 48-bit token prefixes) from them in ${local.buildS.toFixed(1)} s. Each figure is the mean over 1,000,000 calls (${LOOKUP_CALLS.toLocaleString('en-US')} awaited calls for the \`HitIndex.lookup\` rows, 2,000 for the OPRF rows). A lookup of a held token reads its entries from LevelDB; a token the in-memory prefixes do not contain is answered without a read.`,
    '',
    '| operation | per call | ÷ its baseline |',
    '| --- | ---: | ---: |',
    ...local.rows.map(cells => `| ${cells.join(' | ')} |`),
    '',
    `A responder's and a querier's local work for one query (evaluation, filter test and lookup) adds up to ${(local.lookupMs * 1000).toFixed(0)} µs. Aim: under 1 ms per local lookup. ${local.lookupMs < 1 ? 'Met' : 'Not met'} on this machine.`,
    '',
    `### End to end across ${PEERS.length} nodes`,
    '',
    `${PEERS.length} nodes in one process on 127.0.0.1, each holding ${FIREARMS_PER_NODE} firearms; one node queries the other nine in parallel, ${queries} queries after 20 warm-up queries, half of them serials one peer holds (${e2e.hits} hits in all, warm-up included). Filters were loaded during the warm-up, so a query is an evaluation at every peer and a confirm at the one that holds the serial.`,
    '',
    '| measurement | median | p95 | p99 | max | p99 ÷ baseline p99 |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    e2eRow('baseline: bare parallel round trip to the nine peers', e2e.baseline),
    e2eRow('hit query to the nine peers', e2e.query),
    '',
    `Aim: p99 under 100 ms. ${e2e.query.p99 < 100 ? 'Met' : 'Not met'} on this machine.`,
    END
  ].join('\n')
  console.log(section)
  if (values.write === true) {
    const current = readFileSync(DOC, 'utf8')
    const start = current.indexOf(START)
    const end = current.indexOf(END)
    writeFileSync(DOC, start >= 0 && end > start ? current.slice(0, start) + section + current.slice(end + END.length) : `${current.trimEnd()}\n\n${section}\n`)
    console.log(`\nwrote ${DOC}`)
  }
}

await main()
