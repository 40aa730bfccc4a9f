import type { SuitePeer } from './peer.ts'
import type { TargetApi } from './target-api.ts'
import type { TestMember } from './member-key.ts'
import type { VectorKey } from './vectors/jws.ts'
import type { SigningKey } from '@ceasefire/protocol'

/** Facts about the node under test, read from its API and membership at start. */
export interface TargetInfo {
  jurisdiction: string
  peerId: string
  multiaddr: string
  /** Public record-signing keys the membership lists for the target, by kid. */
  keys: Map<string, { kty: 'OKP', crv: 'Ed25519', x: string }>
  /** Public record-signing keys of every member, by jurisdiction and kid. */
  memberKeys: Map<string, Map<string, { kty: 'OKP', crv: 'Ed25519', x: string }>>
  /** Languages the target's membership entry lists; requests use the first. */
  languages: string[]
}

/** Everything a test may use. */
export interface SuiteContext {
  peer: SuitePeer
  api: TargetApi
  member: TestMember
  target: TargetInfo
  /** Short random text that makes record ids of this run unique. */
  runId: string
  /** Next sequence number of the test member to target direction. */
  nextSeq: (count: number) => number
  /** Error codes the target sent in reply frames during this run. */
  seenCodes: Set<string>
  /** A signing key no federation lists, for invalid vectors. */
  otherKey: VectorKey
  /**
   * The federation authority's private key, given only for a test federation. With it the suite
   * offers the node newer membership versions (section 2.7).
   */
  authority?: { kid: string, privateKey: SigningKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: string } }
  /** Record ids the test member stored at the target during this run, by purpose. */
  stored: Map<string, { id: string, versionHash: string }>
}

/** Thrown by a check that does not hold; its message is the test's detail. */
export class CheckFailed extends Error {}

/** Thrown to skip a test that does not apply to this target, with the reason. */
export class NotApplicable extends Error {}

/**
 * One conformance test. `requirement` is the id of the SPEC.md requirement it checks, and the
 * title states that requirement, so a report line reads as what the node must do.
 */
export interface ConformanceTest {
  /** Stable test id, unique in the suite: `<requirement>` or `<requirement>/<case>`. */
  id: string
  /** SPEC.md section number, such as `6.5`. */
  section: string
  requirement: string
  title: string
  run: (ctx: SuiteContext) => Promise<string | void>
}

/** Fails the running test with `detail` unless `condition` holds. */
export function check (condition: unknown, detail: string): asserts condition {
  if (condition !== true && (condition === false || condition === undefined || condition === null)) throw new CheckFailed(detail)
}

/** Short JSON of a value for a failure detail. */
export function show (value: unknown, max = 300): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > max ? text.slice(0, max) + '…' : text
}
