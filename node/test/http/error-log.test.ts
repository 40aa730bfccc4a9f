import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { startCluster } from '../helpers/cluster.ts'

// Every log line of both nodes at debug level, so the test sees what an operator's log file would hold.
const lines: string[] = []
const cluster = await startCluster(['DE', 'SE'], {
  logger: () => pino({ level: 'debug' }, new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } }))
})
t.teardown(async () => await cluster.close())
const de = cluster.node('DE')

async function queryHits (identifier: Record<string, unknown>): Promise<{ status: number, body: any }> {
  const response = await fetch(`${de.url}/hits/queries`, {
    method: 'POST',
    headers: { authorization: `Bearer ${de.service.identity.apiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ identifier, actor: 'K. Weber' })
  })
  return { status: response.status, body: await response.json() }
}

t.test('rejected identifiers stay out of log', async t => {
  const cases: Array<{ identifier: Record<string, unknown>, value: string, code: string }> = [
    { identifier: { type: 'vin', vin: 'WVWZZZ1JZXW0000' }, value: 'WVWZZZ1JZXW0000', code: 'ERR_IDENTIFIER_INVALID' },
    { identifier: { type: 'vin', vin: '1HGCM82643A004352' }, value: '1HGCM82643A004352', code: 'ERR_IDENTIFIER_CHECKSUM' },
    { identifier: { type: 'wallet-address', chain: 'bitcoin', address: '1BoatSLRHtKNngkdXEeobR76b53LETtpyY' }, value: '1BoatSLRHtKNngkdXEeobR76b53LETtpyY', code: 'ERR_IDENTIFIER_CHECKSUM' },
    { identifier: { type: 'person', familyName: 'Smithאב', birthDate: '1975-02-01' }, value: 'Smith', code: 'ERR_IDENTIFIER_INVALID' },
    { identifier: { type: 'person', familyName: 'Quarrington', birthDate: '1975-02-31' }, value: 'Quarrington', code: 'ERR_IDENTIFIER_INVALID' },
    { identifier: { type: 'firearm-serial', serialNumber: 'ZX@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@9Q', make: 'Glock' }, value: 'ZX@@@', code: 'ERR_IDENTIFIER_INVALID' }
  ]
  for (const { identifier, value, code } of cases) {
    const { status, body } = await queryHits(identifier)
    t.equal(status, 400, `${identifier.type as string} is rejected`)
    t.equal(body.code, code, `${identifier.type as string} gets ${code}`)
    t.notOk(String(body.message).includes(value), `the message of ${code} does not quote the value`)
    t.notOk(lines.some(line => line.includes(value)), `the log does not contain ${value}`)
  }
  t.ok(lines.some(line => line.includes('"code":"ERR_IDENTIFIER_INVALID"') && line.includes('/hits/queries')), 'the log names code and route')
})

t.test('person query stays out of log', async t => {
  const { status } = await queryHits({ type: 'person', familyName: 'Vanterpool', givenNames: 'Oriel', birthDate: '1968-11-23' })
  t.equal(status, 200)
  for (const value of ['Vanterpool', 'VANTERPOOL', 'vanterpool', 'Oriel', 'ORIEL', '1968-11-23']) {
    t.notOk(lines.some(line => line.includes(value)), `the log does not contain ${value}`)
  }
})
