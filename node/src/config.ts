import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { Type } from 'typebox'
import type { Static } from 'typebox'
import { Value } from 'typebox/value'
import { errors } from '@ceasefire/protocol'

const ConfigSchema = Type.Object({
  jurisdiction: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code of the jurisdiction this node speaks for.' }),
  agency: Type.String({ minLength: 1, maxLength: 200, description: 'Agency written into the provenance of records this node creates.' }),
  dataDir: Type.String({ minLength: 1, description: 'Folder for keys and the database, relative to this file.' }),
  federationFile: Type.String({ minLength: 1, description: 'Federation membership file, relative to this file.' }),
  policiesDir: Type.String({ minLength: 1, description: 'Folder of policy modules, relative to this file.' }),
  http: Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 })
  }, { additionalProperties: false }),
  p2p: Type.Object({
    listen: Type.Array(Type.String({ pattern: '^/' }), { minItems: 1 })
  }, { additionalProperties: false }),
  acceptVersion1Signatures: Type.Optional(Type.Boolean({ description: 'Accept received records whose signature is version 1 (one JWS over the whole record), as nodes sent before signature version 2. Default true; set false once every member signs with version 2.' })),
  shareTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600000, description: 'How long a share request waits for the receipt before it answers `queued` (ms).' })),
  hits: Type.Optional(Type.Object({
    maxEvaluationsPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000000, description: 'Hit-query messages (evaluations, filter pages and confirms) this node serves per requesting member per minute.' })),
    queryTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600000, description: 'How long a hit query waits for all peers before it reports the rest as unanswered (ms).' }))
  }, { additionalProperties: false })),
  policyTrust: Type.Optional(Type.Object({
    keys: Type.Array(Type.Object({
      kid: Type.String({ minLength: 1 }),
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      jwk: Type.Object({ kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), kid: Type.Optional(Type.String()) }, { additionalProperties: false })
    }, { additionalProperties: false }), { description: 'Public keys of the legal officers whose signature makes a policy module loadable.' }),
    allowUnsigned: Type.Optional(Type.Boolean({ description: 'Development only: load policy modules without a trusted signature. The node logs a warning at every load.' }))
  }, { additionalProperties: false })),
  membershipAuthority: Type.Optional(Type.Object({
    kid: Type.Optional(Type.String({ minLength: 1, description: 'RFC 7638 thumbprint of the key; checked against `jwk` at start when given.' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    jwk: Type.Object({ kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), kid: Type.Optional(Type.String()) }, { additionalProperties: false })
  }, { additionalProperties: false, description: 'Public key of the federation authority (the trust anchor). When set, the federation file must be a membership document signed with it, and newer signed versions are accepted from peers and over the API.' })),
  demoClockControl: Type.Optional(Type.Boolean({ description: 'Demo and test only, never in service: adds POST /demo/clock, which moves the clock that request deadlines and alerts read. Off when absent.' })),
  logLevel: Type.Optional(Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')]))
}, { additionalProperties: false })

export type NodeConfigFile = Static<typeof ConfigSchema>

/** Node configuration with every path made absolute. */
export interface NodeConfig extends NodeConfigFile {
  configPath: string
  shareTimeoutMs: number
  policyTrust: { keys: Array<{ kid: string, name?: string, jwk: { kty: 'OKP', crv: 'Ed25519', x: string } }>, allowUnsigned?: boolean }
}

/** Reads and checks a node configuration file, resolving its paths against the file's folder. */
export function loadConfig (path: string): NodeConfig {
  const configPath = resolve(path)
  let document: unknown
  try {
    document = JSON.parse(readFileSync(configPath, 'utf8'))
  } catch (err) {
    throw new errors.ConfigInvalidError(`cannot read node configuration \`${configPath}\`: ${(err as Error).message}`, { cause: err })
  }
  return checkConfig(document, configPath)
}

/** Checks a configuration object; paths in it are resolved against the folder of `configPath`. */
export function checkConfig (document: unknown, configPath: string): NodeConfig {
  if (!Value.Check(ConfigSchema, document)) {
    const first = Value.Errors(ConfigSchema, document)[0]
    const where = first === undefined || first.instancePath === '' ? '(file)' : first.instancePath
    const problem = first?.schemaPath.endsWith('/additionalProperties') === true
      ? 'unknown key; remove it or check its spelling'
      : first?.message ?? 'invalid'
    throw new errors.ConfigInvalidError(`node configuration \`${configPath}\` is invalid at \`${where}\`: ${problem}`)
  }

  const base = dirname(configPath)
  const at = (p: string): string => isAbsolute(p) ? p : resolve(base, p)
  return {
    ...document,
    configPath,
    dataDir: at(document.dataDir),
    federationFile: at(document.federationFile),
    policiesDir: at(document.policiesDir),
    shareTimeoutMs: document.shareTimeoutMs ?? 10000,
    policyTrust: document.policyTrust ?? { keys: [] }
  }
}
