import { execFileSync } from 'node:child_process'
import { createPublicKey } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { createRecordVerifier } from '../../protocol/src/index.ts'

const DIR = fileURLToPath(new URL('../vectors/signature-v2/', import.meta.url))
const SCRIPT = fileURLToPath(new URL('../scripts/make-signature-vectors.ts', import.meta.url))

t.test('vector files match their script', async t => {
  const output = execFileSync(process.execPath, [SCRIPT, '--check'], { encoding: 'utf8' })
  t.match(output, /^\d+ vectors match/)
})

t.test('each vector gives its expected outcome', async t => {
  const files = readdirSync(DIR).filter(file => file.endsWith('.json')).sort()
  t.ok(files.some(f => f.startsWith('valid-')) && files.some(f => f.startsWith('invalid-')), 'valid and invalid vectors are present')
  for (const file of files) {
    const vector = JSON.parse(readFileSync(DIR + file, 'utf8'))
    const publicKey = createPublicKey({ key: vector.publicKey.jwk, format: 'jwk' })
    const verify = createRecordVerifier((jurisdiction, kid) => jurisdiction === vector.publicKey.jurisdiction && kid === vector.publicKey.kid ? publicKey : undefined)
    if (vector.expected.outcome === 'valid') {
      const verified = await verify(vector.input)
      t.equal(verified.record.id, vector.expected.id, `${file}: id`)
      t.same(verified.removedPaths, vector.expected.removedPaths, `${file}: removed paths`)
    } else {
      await t.rejects(verify(vector.input), { code: vector.expected.code }, file)
    }
  }
})
