import t from 'tap'
import { createHash, hash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { canonicalize } from '../../src/canonical.ts'

// The worked example of SPEC section 5.2, recomputed with plain node:crypto calls from the
// vector it quotes, so the numbers in the SPEC and the byte layout stay those of the vectors.
const vector = JSON.parse(readFileSync(new URL('../../../conformance/vectors/signature-v2/valid-batch-of-one.json', import.meta.url), 'utf8'))
const { record, signature } = vector.input

t.test('worked example of the v2 commitment', async t => {
  t.equal(signature.seed, 'l8INyNFabi4Fgb0kDF0nCQ')
  const salted = ['/offers/0', '/offers/1', '/offers/2', '/platform', '/provenance/sourceReference', '/seller', '/shipFrom', '/title']
  const x = hash('shake256', Buffer.from(signature.seed, 'base64url'), { outputEncoding: 'buffer', outputLength: 18 * salted.length } as unknown as 'buffer') as unknown as Buffer
  t.ok(x.toString('base64url').startsWith('mqttlVYj9UXFucs7KfbOJEjy8Tyw47hmhiI3omiTZ0spChBeKv8mnmC_OSegABHH'))
  const salts = salted.map((_, i) => x.subarray(18 * i, 18 * i + 18).toString('base64url'))
  t.equal(salts[0], 'mqttlVYj9UXFucs7KfbOJEjy')
  t.equal(salts[7], '2mRhIdg6O-E12A6axMWCyu0o')

  const values: Record<string, unknown> = {
    '/offers/0': record.offers[0], '/offers/1': record.offers[1], '/offers/2': record.offers[2], '/platform': record.platform,
    '/provenance/sourceReference': record.provenance.sourceReference, '/seller': record.seller, '/shipFrom': record.shipFrom, '/title': record.title
  }
  const digest = (i: number): string => createHash('sha256').update(canonicalize([salts[i], salted[i], values[salted[i] as string]])).digest('base64url')
  t.equal(digest(0), 'rLI4LkWXuZcY2I_VNKQKPYcJ7hcfS0hc0yy43iyKnno')
  t.equal(digest(7), 'SD7gBMdi4Ar33gKTq8KwC9FgIEy3yCoU_FE-9SsgLDY')

  const committed: Record<string, unknown> = {
    '/@context': record['@context'], '/id': record.id, '/type': record.type, '/handlingCode': record.handlingCode, '/grading': record.grading,
    '/legalBasis': record.legalBasis, '/reviewBy': record.reviewBy, '/provenance/jurisdiction': 'SE', '/provenance/agency': record.provenance.agency,
    '/provenance/created': record.provenance.created, '/provenance/modified': record.provenance.modified
  }
  salted.forEach((path, i) => { committed[path] = digest(i) })
  const commitment = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(canonicalize(committed), 'utf8')])).digest('hex')
  t.equal(commitment, '7dd41b769385082fee35fd5e82777a002f00b8598547c49556f9ddbf5effffac')
  t.equal(record.versionHash, `sha256:${commitment}`)

  // A batch of one: its root is the leaf hash, that is the commitment.
  const payload = JSON.parse(Buffer.from(signature.batch.split('.')[1], 'base64url').toString('utf8'))
  t.equal(payload.root, Buffer.from(commitment, 'hex').toString('base64url'))
})
