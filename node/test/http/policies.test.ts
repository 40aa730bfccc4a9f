import t from 'tap'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair } from 'jose'
import { keyIdOf } from '../../../protocol/src/index.ts'
import { signModuleFile } from '../../src/policy-trust.ts'
import { POLICIES_DIR, firearmDraft, personDraft, startCluster } from '../helpers/cluster.ts'

// A copy of the repository's modules, signed by a legal officer key made for this test.
const policies = mkdtempSync(join(tmpdir(), 'nfp-policies-'))
cpSync(POLICIES_DIR, policies, { recursive: true })
const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
const officer = { ...(await exportJWK(privateKey)), name: 'Test legal officer' }
for (const j of ['eu', 'se', 'de']) await signModuleFile(join(policies, j, 'module.json'), { privateJwk: officer, name: officer.name })
const trust = { keys: [{ kid: await keyIdOf(officer), name: officer.name, jwk: { kty: 'OKP', crv: 'Ed25519', x: officer.x } }] }

const cluster = await startCluster(['DE', 'SE'], { policiesDir: policies, policyTrust: trust })
t.teardown(async () => {
  await cluster.close()
  rmSync(policies, { recursive: true, force: true })
})

const se = cluster.node('SE')
const auth = { authorization: `Bearer ${se.service.identity.apiToken}` }
const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<{ status: number, body: any }> => {
  const response = await se.app.inject({ method, url, headers: auth, ...(payload === undefined ? {} : { payload: payload as object }) })
  return { status: response.statusCode, body: response.body === '' ? undefined : response.json() }
}
const waitFor = async (check: () => Promise<boolean>): Promise<boolean> => {
  for (let i = 0; i < 100; i++) {
    if (await check()) return true
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return false
}

t.test('active module lists signed rules', async t => {
  const { status, body } = await call('GET', '/policies')
  t.equal(status, 200)
  t.equal(body.jurisdiction, 'SE')
  t.match(body.hash, /^sha256:[0-9a-f]{64}$/)
  t.same(body.extends.map((b: any) => b.jurisdiction), ['EU'])
  t.ok(body.rules.some((r: any) => r.id === 'EU-ONW-01' && r.citation.includes('2023/977')))
  const audit = await se.service.store.listAudit(0, 100)
  t.match(audit.find((e: any) => e.event === 'node.started')?.detail, /SE signed by Test legal officer; EU signed by Test legal officer/)
})

t.test('explain a stored and an inline record', async t => {
  await se.service.ingest(personDraft('SE', 'pol-witness', 'witness'))
  const stored = await call('POST', '/policies/explain', { recordId: 'urn:nfp:se:person:pol-witness', to: 'DE' })
  t.equal(stored.status, 200)
  t.equal(stored.body.effect, 'permit')
  t.ok(stored.body.removedFields.includes('dateOfBirth'))
  t.match(stored.body.explanation, /EU-PD-01/)
  t.equal(stored.body.module.hash, (await call('GET', '/policies')).body.hash)

  const inline = await call('POST', '/policies/explain', { record: { ...firearmDraft('SE', 'x'), handlingCode: 'H3', versionHash: 'sha256:' + '0'.repeat(64), provenance: { jurisdiction: 'SE', agency: 'a', created: '2026-01-01T00:00:00Z', modified: '2026-01-01T00:00:00Z' } }, to: 'DE' })
  t.equal(inline.body.effect, 'deny')
  t.ok(inline.body.reasons.some((r: any) => r.ruleId === 'EU-HC-03'))
  const both = await call('POST', '/policies/explain', { to: 'DE' })
  t.equal(both.status, 400)
})

t.test('module tests run through the API', async t => {
  const { status, body } = await call('POST', '/policies/test')
  t.equal(status, 200)
  t.equal(body.passed, true)
})

t.test('unsigned edit keeps the previous module', async t => {
  const before = se.service.policy.hash
  const file = join(policies, 'se', 'module.json')
  const original = readFileSync(file, 'utf8')
  writeFileSync(file, original.replace(/"version": "[^"]+"/, '"version": "2099-01-01.1"'))
  const failed = await waitFor(async () => (await se.service.store.listAudit(0, 10000)).some((e: any) => e.event === 'policy.load-failed'))
  t.ok(failed, 'the failed reload is audited')
  t.equal(se.service.policy.hash, before, 'the node keeps deciding with the signed module')
  const entry: any = (await se.service.store.listAudit(0, 10000)).find((e: any) => e.event === 'policy.load-failed')
  t.equal(entry.code, 'ERR_POLICY_INVALID')
  t.match(entry.detail, /changed after it was signed/)
  writeFileSync(file, original)
})

t.test('signed upload replaces the module at once', async t => {
  const module = JSON.parse(readFileSync(join(policies, 'se', 'module.json'), 'utf8'))
  module.version = '2026-12-05.1'
  const staged = mkdtempSync(join(tmpdir(), 'nfp-upload-'))
  writeFileSync(join(staged, 'module.json'), JSON.stringify(module))
  await signModuleFile(join(staged, 'module.json'), { privateJwk: officer, name: officer.name })
  const signature = readFileSync(join(staged, 'module.sig'), 'utf8')
  rmSync(staged, { recursive: true, force: true })

  const versionBefore = se.service.policy.version
  const unsigned = await call('PUT', '/policies/SE', { module: { ...module, version: '2026-12-06.1' }, signature })
  t.equal(unsigned.status, 500)
  t.equal(unsigned.body.code, 'ERR_POLICY_INVALID', 'a signature over other content is refused')
  t.equal(se.service.policy.version, versionBefore, 'the active module is unchanged')

  const diff = await call('POST', '/policies/diff', { module })
  t.equal(diff.status, 200)
  t.equal(diff.body.newVersion.startsWith('2026-12-05.1'), true)

  const installed = await call('PUT', '/policies/SE', { module, signature })
  t.equal(installed.status, 200)
  t.equal(installed.body.version, '2026-12-05.1')
  t.equal(se.service.policy.version, '2026-12-05.1')
  const other = await call('PUT', '/policies/EU', { module, signature })
  t.equal(other.status, 400)
})

t.test('unsigned module stops a node from starting', async t => {
  const { startNode } = await import('../../src/runtime.ts')
  const config = { ...cluster.configs.get('DE')!, policiesDir: POLICIES_DIR, http: { host: '127.0.0.1', port: 0 }, p2p: { listen: ['/ip4/127.0.0.1/tcp/0'] } }
  await cluster.stop('DE')
  await t.rejects(startNode(config as any), { code: 'ERR_POLICY_INVALID', message: /module is not signed/ })
  await cluster.start('DE')
})

t.test('inbound H3 record is held for approval', async t => {
  const { signHopBatch, signRecord, withVersionHash } = await import('../../../protocol/src/index.ts')
  const de = cluster.node('DE').service
  const identity = se.service.identity
  const record: any = withVersionHash({ ...firearmDraft('SE', 'held-1'), handlingCode: 'H3', handlingConditions: 'Only for the named investigation.', provenance: { jurisdiction: 'SE', agency: 'a', created: '2026-01-01T00:00:00Z', modified: '2026-01-01T00:00:00Z' } })
  const key = { privateKey: identity.signing.privateKey, kid: identity.signing.kid }
  const signed = await signRecord(record as any, key)
  const at = new Date().toISOString()
  const [hop] = await signHopBatch([{ recordId: record.id, versionHash: record.versionHash }], key, { by: 'SE', to: 'DE', at })
  const response: any = await de.receive({ type: 'share', messageId: crypto.randomUUID(), sender: 'SE', receiver: 'DE', sentAt: at, seqFrom: 900000, items: [{ kind: 'record', signed, hops: [hop!] }] }, cluster.members.get('SE')!.peerId)
  t.equal(response.results[0].status, 'held')
  t.equal(await de.store.getRecord(record.id), undefined, 'nothing is stored before approval')
  const message = (): any => ({ type: 'share', messageId: crypto.randomUUID(), sender: 'SE', receiver: 'DE', sentAt: at, seqFrom: 900001, items: [{ kind: 'record', signed, hops: [hop!] }] })
  const again: any = await de.receive(message(), cluster.members.get('SE')!.peerId)
  t.equal(again.results[0].status, 'held', 'a re-delivery while held stays held')
  t.equal((await de.store.listAudit(0, 10000)).filter((e: any) => e.event === 'record.held' && e.recordId === record.id).length, 1, 'and is not held twice')

  const held = await de.listHeld()
  t.equal(held.length, 1)
  t.equal(held[0].decision.approvals[0].approvers[0], 'legal-officer')
  await t.rejects(de.approveHeld(record.id, [{ approvedBy: 'P. Prosecutor', role: 'prosecutor' }]), { code: 'ERR_POLICY_APPROVAL_REQUIRED' })
  await de.approveHeld(record.id, [{ approvedBy: 'P. Prosecutor', role: 'prosecutor' }, { approvedBy: 'L. Officer', role: 'legal-officer', reference: 'LO-2026-17' }])
  t.equal((await de.store.getRecord(record.id))?.signed.record.handlingCode, 'H3')
  t.equal((await de.listHeld()).length, 0)
  const after: any = await de.receive(message(), cluster.members.get('SE')!.peerId)
  t.equal(after.results[0].status, 'unchanged', 'a re-delivery after approval changes nothing')
  const audit = await de.store.listAudit(0, 10000)
  t.ok(audit.some((e: any) => e.event === 'policy.approval' && e.detail.includes('L. Officer')))
})
