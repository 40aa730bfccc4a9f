import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCluster } from '../helpers/cluster.ts'
import { nfp } from '../helpers/nfp.ts'

const CSV = fileURLToPath(new URL('../../../data/agora-weapons-2014/agora_weapons_listings_2014Q1.csv', import.meta.url))

const tmp = mkdtempSync(join(tmpdir(), 'nfp-cli-'))
t.teardown(() => { rmSync(tmp, { recursive: true, force: true }) })

t.test('every command has help', async t => {
  for (const command of ['init', 'start', 'import', 'demo']) {
    const { code, stdout } = await nfp(command, '--help')
    t.equal(code, 0, command)
    t.match(stdout, new RegExp(`^nfp ${command}: `), command)
    t.match(stdout, /Options:/)
  }
  const top = await nfp('--help')
  t.equal(top.code, 0)
  t.match(top.stdout, /Commands:/)
})

t.test('unknown command and option fail clearly', async t => {
  const command = await nfp('launch')
  t.equal(command.code, 2)
  t.match(command.stderr, /unknown command `launch`/)
  const option = await nfp('init', '--jurisdicton', 'SE')
  t.equal(option.code, 2)
  t.match(option.stderr, /Unknown option '--jurisdicton'/)
  const missing = await nfp('init', '--jurisdiction', 'SE')
  t.equal(missing.code, 2)
  t.match(missing.stderr, /option --dir is required|option --agency is required/)
  const lower = await nfp('init', '--jurisdiction', 'se', '--agency', 'x', '--dir', join(tmp, 'x'))
  t.equal(lower.code, 2)
  t.match(lower.stderr, /ISO 3166-1 alpha-2/)
})

t.test('init writes config and private keys', async t => {
  const dir = join(tmp, 'se')
  const { code, stdout } = await nfp('init', '--jurisdiction', 'SE', '--agency', 'Test agency', '--dir', dir, '--http-port', '7999', '--p2p-port', '7998')
  t.equal(code, 0, stdout)
  const config = JSON.parse(readFileSync(join(dir, 'node.json'), 'utf8'))
  t.equal(config.jurisdiction, 'SE')
  t.equal(config.http.port, 7999)
  const member = JSON.parse(readFileSync(join(dir, 'member.json'), 'utf8'))
  t.match(member.peerId, /^12D3KooW/)
  t.match(member.addresses[0], /^\/ip4\/127\.0\.0\.1\/tcp\/7998\/p2p\/12D3KooW/)
  for (const file of ['peer.key', 'record-signing-key.jwk', 'api-token']) {
    t.equal(statSync(join(dir, 'data', 'keys', file)).mode & 0o777, 0o600, `${file} is private`)
  }
  t.notOk(stdout.includes('"d"'), 'the private key is not printed')

  const again = await nfp('init', '--jurisdiction', 'SE', '--agency', 'Test agency', '--dir', dir)
  t.equal(again.code, 2)
  t.match(again.stderr, /already exists; pass --force/)
  const forced = await nfp('init', '--jurisdiction', 'SE', '--agency', 'Test agency', '--dir', dir, '--force')
  t.equal(forced.code, 0)
  t.equal(JSON.parse(readFileSync(join(dir, 'member.json'), 'utf8')).peerId, member.peerId, 'keys are kept')
})

t.test('start refuses a missing federation file', async t => {
  const { code, stderr } = await nfp('start', '--config', join(tmp, 'se', 'node.json'))
  t.equal(code, 1)
  t.match(stderr, /ERR_MEMBERSHIP_INVALID: cannot read federation file/)
})

t.test('import reports bad rows by line', async t => {
  const cluster = await startCluster(['DE', 'SE'])
  t.teardown(async () => { await cluster.close() })
  const config = cluster.configs.get('SE')!
  const lines = readFileSync(CSV, 'utf8').split('\n')
  const header = lines[0]!
  const swedish = lines.filter(l => l.includes(',Sweden,')).slice(0, 3)
  const badPrice = swedish[0]!.replace(/,Weapons,([^,]*),[0-9.]+,/, ',Weapons,$1,cheap,')
  const file = join(tmp, 'bad.csv')
  writeFileSync(file, [header, swedish[1], badPrice, swedish[2], 'only,three,columns', ''].join('\n'))

  const tokenFile = join(config.dataDir, 'keys', 'api-token')
  const { code, stdout, stderr } = await nfp('import', '--api', cluster.node('SE').url, '--token-file', tokenFile, '--file', file)
  t.equal(code, 1, 'a file with bad rows exits with status 1')
  t.match(stderr, /line 3: ERR_IMPORT_ROW_INVALID: .*price/)
  t.match(stderr, /line 5: ERR_IMPORT_ROW_INVALID/)
  t.match(stdout, /SE: 2 rows imported/)
  t.match(stdout, /2 rows could not be read/)
  t.match(stderr, /imported 2\/2 rows/)
})

t.test('init checks ports and policy module', async t => {
  const hex = await nfp('init', '--jurisdiction', 'SE', '--agency', 'x', '--dir', join(tmp, 'p1'), '--http-port', '0x1F90')
  t.equal(hex.code, 2)
  t.match(hex.stderr, /--http-port must be an integer from 1 to 65535/)
  const zero = await nfp('init', '--jurisdiction', 'SE', '--agency', 'x', '--dir', join(tmp, 'p2'), '--p2p-port', '0')
  t.equal(zero.code, 2)
  const noModule = await nfp('init', '--jurisdiction', 'FI', '--agency', 'x', '--dir', join(tmp, 'fi'))
  t.equal(noModule.code, 2)
  t.match(noModule.stderr, /no policy module for FI/)
})

t.test('import does not echo a wrong token file', async t => {
  const secret = join(tmp, 'not-a-token.json')
  writeFileSync(secret, JSON.stringify({ d: 'PRIVATE-KEY-MATERIAL' }))
  const { code, stderr } = await nfp('import', '--api', 'http://127.0.0.1:9', '--token-file', secret, '--file', CSV)
  t.equal(code, 1)
  t.match(stderr, /ERR_CONFIG_INVALID: the API token is not a base64url string/)
  t.notOk(stderr.includes('PRIVATE-KEY-MATERIAL'))
})

t.test('import stops when the API is unreachable', async t => {
  const tokenFile = join(tmp, 'token')
  writeFileSync(tokenFile, 'a'.repeat(43))
  const { code, stderr } = await nfp('import', '--api', 'http://127.0.0.1:9', '--token-file', tokenFile, '--file', CSV)
  t.equal(code, 1)
  t.match(stderr, /ERR_API_UNREACHABLE: cannot reach the node API/)
})
