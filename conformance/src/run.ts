import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { generateSigningKey, importSigningKey, keyIdOf, signStatement } from '@ceasefire/protocol'
import type { JWK } from 'jose'
import type { Member, Membership } from '@ceasefire/protocol'
import type { TestMember } from './member-key.ts'
import { SuitePeer } from './peer.ts'
import { countOutcomes, runTests, writeOutputs } from './runner.ts'
import type { RunSummary } from './runner.ts'
import type { ConformanceTest, SuiteContext, TargetInfo } from './suite.ts'
import { TargetApi } from './target-api.ts'
import { allTests } from './tests/index.ts'
import { compactJws } from './vectors/jws.ts'
import { AUDIT_HEAD, REQUEST, SHARE } from './tests/helpers.ts'

export const SUITE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version

export interface RunOptions {
  /** Multiaddr of the node under test, ending in /p2p/<peer id>. */
  peer: string
  /** Base URL of its HTTP API. */
  api: string
  apiToken?: string
  member: TestMember
  /** Listen addresses of the test member, where the node delivers to it. */
  listen?: string[]
  /** Folder for results.json and report.md; none are written without it. */
  out?: string
  tap: Writable
  /** The federation authority's private JWK, for the membership tests on a test federation. */
  authorityJwk?: JWK
  /** Run only tests whose id starts with one of these. */
  only?: string[]
  tests?: ConformanceTest[]
}

/** A setup failure: the suite cannot start testing (wrong address, member not listed, ...). */
export class SetupError extends Error {}

/** Runs the suite against one node and returns the summary; writes the outputs when `out` is set. */
export async function runConformance (options: RunOptions): Promise<RunSummary & { files?: { json: string, report: string } }> {
  const startedAt = new Date().toISOString()
  const api = new TargetApi(options.api, options.apiToken)
  const target = await readTarget(api, options.peer, options.member)
  const peer = await SuitePeer.start({ privateKey: options.member.peerKey, listen: options.listen ?? ['/ip4/127.0.0.1/tcp/0'], target: options.peer, protocols: [SHARE, REQUEST, AUDIT_HEAD] })
  const other = await generateSigningKey()
  // NOTE: the test member keeps no state between runs, so its sequence numbers start at the
  // current time in milliseconds rather than at 1. A rerun then never reuses a number, but a
  // node that rejected gaps in a sender's sequence would reject the first frame of each run.
  let seq = Date.now()
  const ctx: SuiteContext = {
    peer,
    api,
    member: options.member,
    target,
    runId: randomBytes(4).toString('hex'),
    nextSeq: (count) => { const first = seq; seq += count; return first },
    seenCodes: new Set(),
    otherKey: { kid: other.kid, privateJwk: other.privateJwk },
    ...(options.authorityJwk === undefined ? {} : { authority: { kid: await keyIdOf(options.authorityJwk), privateKey: await importSigningKey(options.authorityJwk), publicJwk: { kty: 'OKP', crv: 'Ed25519', x: String(options.authorityJwk.x) } } }),
    stored: new Map()
  }
  peer.respond = async (protocol, message) => await answer(ctx, protocol, message)
  try {
    const tests = options.tests ?? allTests()
    const only = options.only
    const results = await runTests(tests, ctx, options.tap, only === undefined || only.length === 0 ? undefined : (t) => only.some(prefix => t.id.startsWith(prefix)))
    const summary: RunSummary = {
      suite: { name: 'nfp-conformance', version: SUITE_VERSION },
      target: { api: api.base, peer: options.peer, jurisdiction: target.jurisdiction, peerId: target.peerId },
      member: { jurisdiction: options.member.jurisdiction, peerId: options.member.peerId },
      startedAt,
      finishedAt: new Date().toISOString(),
      counts: countOutcomes(results),
      results
    }
    options.tap.write(`# pass ${summary.counts.pass}\n# fail ${summary.counts.fail}\n# skip ${summary.counts.skip}\n`)
    if (options.out === undefined) return summary
    return { ...summary, files: writeOutputs(options.out, summary) }
  } finally {
    await peer.stop()
  }
}

async function readTarget (api: TargetApi, peer: string, member: TestMember): Promise<TargetInfo & { languages: string[] }> {
  const health = await api.health().catch((err: Error) => { throw new SetupError(`cannot reach the node's API at ${api.base}: ${err.message}`) })
  if (health.status !== 200) throw new SetupError(`GET ${api.base}/health returned status ${health.status}; check --api`)
  const { jurisdiction, peerId } = health.body as { jurisdiction: string, peerId: string }
  if (!peer.endsWith(`/p2p/${peerId}`)) throw new SetupError(`--peer ${peer} does not end in /p2p/${peerId}, the peer id the API reports`)
  const got = await api.membership()
  if (got.status !== 200) throw new SetupError(`GET /membership returned status ${got.status}: ${JSON.stringify(got.body).slice(0, 200)}; pass the node's API token with --api-token`)
  const document = got.body.document as Membership | { membership: Membership }
  const membership = 'membership' in document ? document.membership : document
  const listed = membership.members.find((m: Member) => m.peerId === member.peerId)
  if (listed === undefined || listed.jurisdiction !== member.jurisdiction || !listed.signingKeys.some(k => k.kid === member.signing.kid)) {
    throw new SetupError(`the node's membership (federation "${membership.federation}", version ${membership.version}) does not list the test member ${member.jurisdiction} with peer id ${member.peerId} and key ${member.signing.kid}; ask the federation authority to add the entry \`nfp-conformance keygen\` printed`)
  }
  const memberKeys = new Map(membership.members.map(m => [m.jurisdiction, new Map(m.signingKeys.map(k => [k.kid, k.jwk as { kty: 'OKP', crv: 'Ed25519', x: string }]))]))
  const self = membership.members.find(m => m.jurisdiction === jurisdiction)
  return { jurisdiction, peerId, multiaddr: peer, keys: memberKeys.get(jurisdiction) ?? new Map(), memberKeys, languages: self?.languages ?? ['en'] }
}

/**
 * Builds the test member's reply to what the node sends it: a share-result with a receipt for
 * every share request, an ack for request messages, and a head of its empty audit log.
 */
async function answer (ctx: SuiteContext, protocol: string, message: unknown): Promise<unknown> {
  const m = message as Record<string, any>
  const key = { privateKey: ctx.member.signing.privateKey, kid: ctx.member.signing.kid }
  if (protocol === SHARE && m.type === 'share') {
    const results = (m.items as Array<Record<string, any>>).map((item, index) => item.kind === 'record'
      ? { index, id: item.signed?.record?.id, versionHash: item.signed?.record?.versionHash, status: 'stored' }
      : { index, status: item.kind === 'revocation' ? 'deleted' : 'accepted' })
    const seqTo = Number(m.seqFrom) + results.length - 1
    const receipt = await signStatement('receipt', { by: ctx.member.jurisdiction, messageId: m.messageId, sender: m.sender, seqFrom: m.seqFrom, seqTo, results, at: new Date().toISOString() }, key)
    return { type: 'share-result', messageId: m.messageId, receiver: ctx.member.jurisdiction, results, receipt }
  }
  if (protocol === REQUEST) {
    return { type: 'ack', messageId: m.messageId, receiver: ctx.member.jurisdiction, receivedAt: new Date().toISOString() }
  }
  if (protocol === AUDIT_HEAD) {
    const head = compactJws({ at: new Date().toISOString(), hash: 'sha256:' + '0'.repeat(64), jurisdiction: ctx.member.jurisdiction, seq: 0 }, 'nfp-audit-head+jws', { kid: ctx.member.signing.kid, privateJwk: ctx.member.signing.privateJwk })
    return { type: 'audit-head-response', requestId: m.requestId, head, hashes: (m.seqs as number[] ?? []).map(seq => ({ seq, hash: null })) }
  }
  return { type: 'error', code: 'ERR_FRAME_MALFORMED', message: 'the conformance suite does not handle this message' }
}
