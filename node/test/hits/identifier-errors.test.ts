import t from 'tap'
import { startCluster } from '../helpers/cluster.ts'

const cluster = await startCluster(['DE', 'SE'])
t.teardown(async () => await cluster.close())
const de = cluster.node('DE')

/** Posts a hit query from DE and returns the status and body. */
async function queryHits (identifier: Record<string, unknown>): Promise<{ status: number, body: any }> {
  const response = await fetch(`${de.url}/hits/queries`, {
    method: 'POST',
    headers: { authorization: `Bearer ${de.service.identity.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ identifier, actor: 'K. Weber' })
  })
  return { status: response.status, body: await response.json() }
}

t.test('unknown identifier type is typed', async t => {
  const { status, body } = await queryHits({ type: 'bogus', serialNumber: 'X1' })
  t.equal(status, 400)
  t.equal(body.code, 'ERR_IDENTIFIER_TYPE_UNKNOWN')
  t.equal(body.field, 'type')
  t.match(body.message, /firearm-serial, wallet-address, online-handle, vin, plate, person/)
})

t.test('invisible characters are rejected', async t => {
  for (const handle of ['\u0000\u0000', 'a\u0007b', '@xdoc\u200b', '\ufeffxdoc', 'xd\ud800oc']) {
    const { status, body } = await queryHits({ type: 'online-handle', handle, platform: 'agora' })
    t.equal(status, 400, `${JSON.stringify(handle)} is rejected`)
    t.equal(body.code, 'ERR_IDENTIFIER_INVALID', `${JSON.stringify(handle)} gets ERR_IDENTIFIER_INVALID`)
    t.equal(body.field, 'handle')
  }
})
