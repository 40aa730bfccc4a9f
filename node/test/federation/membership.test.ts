import t from 'tap'
import { generateSigningKey } from '../../../protocol/src/index.ts'
import { addMember, removeMember } from '../../src/federation/authority.ts'
import { firearmDraft } from '../helpers/cluster.ts'
import { startSignedFederation, waitFor } from './helpers.ts'

const federation = await startSignedFederation(['DE', 'NL', 'SE'])
t.teardown(async () => { await federation.close() })

const put = async (jurisdiction: string, body: unknown): Promise<{ status: number, body: Record<string, unknown> }> => {
  const node = federation.node(jurisdiction)
  const response = await fetch(`${node.url}/membership`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${node.service.identity.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: response.status, body: await response.json() as Record<string, unknown> }
}

t.test('new member propagates and connects', async t => {
  const fr = await federation.prepare('FR')
  const v2 = await addMember(federation.current, fr)
  const accepted = await put('DE', await federation.sign(v2))
  t.equal(accepted.status, 200)
  t.equal(accepted.body.version, 2)

  // DE passes version 2 to NL and SE over /nfp/membership/1.0.0.
  t.ok(await waitFor(() => federation.node('NL').service.membership.version === 2), 'NL holds version 2')
  t.ok(await waitFor(() => federation.node('SE').service.membership.version === 2), 'SE holds version 2')
  federation.current = v2

  // The authority gives the new member version 2 as its federation file.
  await federation.publish(v2)
  await federation.start('FR')
  await federation.node('FR').service.ingest(firearmDraft('FR', 'joined-1'))
  const outcome = await federation.node('FR').service.share('urn:nfp:fr:firearm:joined-1', 'SE', { waitMs: 5000 })
  t.equal(outcome.delivery.status, 'stored')
  t.ok(await federation.node('SE').service.store.getRecord('urn:nfp:fr:firearm:joined-1'), 'SE stored the record of FR')
})

t.test('stale membership version rejected', async t => {
  const older = await put('NL', await federation.sign({ ...federation.current, version: 1 }))
  t.equal(older.status, 409)
  t.equal(older.body.code, 'ERR_MEMBERSHIP_STALE')
  const same = await put('NL', await federation.sign(federation.current))
  t.equal(same.body.code, 'ERR_MEMBERSHIP_STALE')
  t.equal(federation.node('NL').service.membership.version, 2)
})

t.test('foreign-signed membership version rejected', async t => {
  const other = await generateSigningKey()
  const forged = await put('NL', await federation.sign({ ...federation.current, version: 9 }, other))
  t.equal(forged.status, 400)
  t.equal(forged.body.code, 'ERR_MEMBERSHIP_UNTRUSTED')

  const signed = await federation.sign({ ...federation.current, version: 9 })
  const tampered = await put('NL', { ...signed, membership: { ...signed.membership, version: 10 } })
  t.equal(tampered.body.code, 'ERR_MEMBERSHIP_UNTRUSTED')
  const unsigned = await put('NL', { membership: signed.membership, signature: { protected: '', signature: '' } })
  t.equal(unsigned.body.code, 'ERR_MEMBERSHIP_UNTRUSTED')
  t.equal(federation.node('NL').service.membership.version, 2)
})

t.test('removed member disconnected and rejected', async t => {
  const de = federation.node('DE').service
  await de.ingest(firearmDraft('DE', 'before-removal'))
  t.equal((await de.share('urn:nfp:de:firearm:before-removal', 'SE', { waitMs: 5000 })).delivery.status, 'stored')
  const sePeer = federation.node('SE').service.network
  t.ok(sePeer.getConnections().some(c => c.remotePeer.toString() === de.identity.peerId), 'SE is connected to DE')

  const v3 = await removeMember(federation.current, 'DE')
  t.equal((await put('SE', await federation.sign(v3))).status, 200)
  federation.current = v3

  t.ok(await waitFor(() => !sePeer.getConnections().some(c => c.remotePeer.toString() === de.identity.peerId)), 'SE closed its connection to DE')
  t.ok(await waitFor(() => federation.node('NL').service.membership.version === 3), 'NL holds version 3')

  // The record DE signed no longer verifies at SE: DE's key left with DE, even though SE
  // verified (and cached) the batch root of this record before.
  const stored = await federation.node('SE').service.store.getRecord('urn:nfp:de:firearm:before-removal')
  const se = federation.node('SE').service
  await t.rejects(se.verifyRecord(stored?.signed), { code: 'ERR_SIG_UNKNOWN_KEY' })

  // DE still holds version 2 unless it learned of version 3; either way SE refuses it.
  await de.ingest(firearmDraft('DE', 'after-removal'))
  const outcome = await de.share('urn:nfp:de:firearm:after-removal', 'SE', { waitMs: 2000 }).catch((err: { code: string }) => err)
  t.not((outcome as { delivery?: { status: string } }).delivery?.status, 'stored', 'DE cannot deliver to SE')
  t.notOk(await se.store.getRecord('urn:nfp:de:firearm:after-removal'), 'SE did not store the record')
})

t.test('accepted version survives restart', async t => {
  await federation.stop('NL')
  const nl = await federation.start('NL')
  t.equal(nl.service.membership.version, 3)
})
