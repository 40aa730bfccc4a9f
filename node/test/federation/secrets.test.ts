import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createIdentity, loadIdentity, readApiToken } from '../../src/identity.ts'
import { readPassphrase } from '../../src/secrets.ts'

const root = mkdtempSync(join(tmpdir(), 'nfp-secrets-'))
t.teardown(() => { rmSync(root, { recursive: true, force: true }) })
const passphrase = 'correct horse battery staple'
const created = await createIdentity(join(root, 'data'), { passphrase })

t.test('key files are encrypted at rest', async t => {
  const dir = join(root, 'data', 'keys')
  for (const name of readdirSync(dir)) {
    const content = readFileSync(join(dir, name), 'utf8')
    t.match(content, /^\{"nfpEncrypted":1,"kdf":"scrypt"/, `${name} is an encrypted envelope`)
    t.notMatch(content, created.apiToken, `${name} does not contain the API token`)
    t.notMatch(content, created.signing.kid, `${name} does not contain the key id`)
  }
})

t.test('secrets load with passphrase', async t => {
  const loaded = await loadIdentity(join(root, 'data'), { passphrase })
  t.equal(loaded.peerId, created.peerId)
  t.equal(loaded.signing.kid, created.signing.kid)
  t.equal(loaded.apiToken, created.apiToken)
})

t.test('missing passphrase fails clearly', async t => {
  await t.rejects(loadIdentity(join(root, 'data')), { code: 'ERR_SECRETS_LOCKED', message: /is encrypted; start the node with NFP_PASSPHRASE/ })
  t.throws(() => readApiToken(join(root, 'data')), { code: 'ERR_SECRETS_LOCKED' })
})

t.test('wrong passphrase fails without leaking', async t => {
  const error = await loadIdentity(join(root, 'data'), { passphrase: 'Xq9-not-it' }).catch((err: Error & { code: string }) => err)
  t.equal((error as { code: string }).code, 'ERR_SECRETS_LOCKED')
  t.match((error as Error).message, /cannot be decrypted/)
  t.notMatch((error as Error).message, 'Xq9-not-it')
  t.equal((error as Error).cause, undefined)
})

t.test('passphrase file must be private', async t => {
  const file = join(root, 'passphrase')
  writeFileSync(file, `${passphrase}\n`, { mode: 0o644 })
  t.throws(() => readPassphrase(file, {}), { code: 'ERR_CONFIG_INVALID', message: /mode 644/ })
  writeFileSync(join(root, 'passphrase-private'), `${passphrase}\n`, { mode: 0o600 })
  t.equal(readPassphrase(join(root, 'passphrase-private'), {}), passphrase)
  const env: NodeJS.ProcessEnv = { NFP_PASSPHRASE: 'from env' }
  t.equal(readPassphrase(undefined, env), 'from env')
  t.equal(env.NFP_PASSPHRASE, undefined, 'the variable is removed once read')
  t.equal(readPassphrase(undefined, {}), undefined)
})
