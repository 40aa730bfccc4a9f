import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '@ceasefire/protocol'
import { diffPolicyModules } from '../../policy/diff.ts'
import { evaluateOutbound, formatCitation } from '../../policy/index.ts'
import { runPolicyTests } from '../../policy/test-runner.ts'
import { loadActivePolicy } from '../../policy-reload.ts'
import type { NodeService } from '../../service.ts'
import { Decision, errorResponses } from '../schemas.ts'
import type { DecisionBody } from '../schemas.ts'

const Jurisdiction = Type.String({ pattern: '^[A-Z]{2}$' })

const ModuleUpload = Type.Object({
  module: Type.Object({}, { additionalProperties: true, description: 'Content of module.json.' }),
  signature: Type.String({ minLength: 10, maxLength: 4096, description: 'Content of module.sig: the detached JWS `nfp policy sign` writes.' })
}, { additionalProperties: false })

/** Reads, tests, explains, compares and replaces the node's policy module. */
export function policyRoutes (service: NodeService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/policies', {
      schema: {
        summary: 'The active policy module: version, hash, signers and rules',
        tags: ['policies'],
        response: {
          200: Type.Object({
            jurisdiction: Type.String(),
            name: Type.String(),
            version: Type.String(),
            hash: Type.String(),
            extends: Type.Array(Type.Object({ jurisdiction: Type.String(), version: Type.String() })),
            rules: Type.Array(Type.Object({ id: Type.String(), section: Type.String(), title: Type.String(), effect: Type.String(), citation: Type.String(), checked: Type.Boolean(), file: Type.String() }))
          }),
          ...errorResponses
        }
      }
    }, async () => {
      const module = service.policy
      const bases = []
      for (let base = module.base; base !== undefined; base = base.base) bases.push({ jurisdiction: base.jurisdiction, version: base.version })
      return {
        jurisdiction: module.jurisdiction,
        name: module.name,
        version: module.version,
        hash: module.hash,
        extends: bases,
        rules: module.rules.map(rule => ({
          id: rule.id,
          section: rule.section,
          title: rule.title,
          effect: rule.effect,
          citation: formatCitation(rule.sources),
          checked: rule.sources.every(source => source.checked),
          file: rule.file
        }))
      }
    })

    app.post('/policies/explain', {
      schema: {
        summary: 'Explain whether a record would go to a peer, and why',
        description: 'Give `recordId` for a stored record, or `record` for one that is not stored. Nothing is sent.',
        tags: ['policies'],
        body: Type.Object({
          recordId: Type.Optional(Type.String()),
          record: Type.Optional(Type.Object({}, { additionalProperties: true })),
          to: Jurisdiction
        }, { additionalProperties: false }),
        response: { 200: Decision, ...errorResponses }
      }
    }, async (request) => {
      const { recordId, record, to } = request.body
      if ((recordId === undefined) === (record === undefined)) throw new errors.RequestInvalidError('give exactly one of `recordId` and `record`')
      if (recordId !== undefined) {
        const stored = await service.getRecord(recordId)
        return await service.decide(stored.signed.record, to, stored.hops) as unknown as DecisionBody
      }
      return evaluateOutbound(service.policy, record, { self: { jurisdiction: service.jurisdiction }, recipient: { jurisdiction: to }, now: new Date() }) as unknown as DecisionBody
    })

    app.post('/policies/test', {
      schema: {
        summary: 'Run the test cases of the active module folder and report rule coverage',
        tags: ['policies'],
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses }
      }
    }, async () => runPolicyTests(service.config.policiesDir, service.jurisdiction))

    app.post('/policies/diff', {
      schema: {
        summary: 'Compare a proposed module with the active one: who gains or loses access to what',
        tags: ['policies'],
        body: Type.Object({ module: Type.Object({}, { additionalProperties: true }) }, { additionalProperties: false }),
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses }
      }
    }, async (request) => await withStagedModule(service, request.body.module, undefined, async (staged) =>
      diffPolicyModules(service.config.policiesDir, staged, service.jurisdiction)))

    app.put('/policies/:jurisdiction', {
      schema: {
        summary: 'Install a new signed version of this node\'s module',
        description: 'The module must load, pass its checks and carry a signature by a legal officer this node trusts; otherwise nothing changes. On success the node decides with the new version at once.',
        tags: ['policies'],
        params: Type.Object({ jurisdiction: Jurisdiction }),
        body: ModuleUpload,
        response: { 200: Type.Object({ jurisdiction: Type.String(), version: Type.String(), hash: Type.String() }), ...errorResponses }
      }
    }, async (request) => {
      if (request.params.jurisdiction !== service.jurisdiction) {
        throw new errors.RequestInvalidError(`this node installs only its own module (${service.jurisdiction}); base modules change with the software or through their own jurisdiction`)
      }
      const { module, signature } = request.body
      await withStagedModule(service, module, signature, async (staged) => {
        await loadActivePolicy(staged, service.jurisdiction, service.config.policyTrust)
      })
      const folder = join(service.config.policiesDir, service.jurisdiction.toLowerCase())
      writeFileSync(join(folder, 'module.json'), JSON.stringify(module, null, 2) + '\n')
      writeFileSync(join(folder, 'module.sig'), signature.trim() + '\n')
      await service.reloadPolicy()
      return { jurisdiction: service.policy.jurisdiction, version: service.policy.version, hash: service.policy.hash }
    })
  }
}

/** Copies the policies folder to a temporary one with the proposed module in place, for checks that must not touch the live folder. */
async function withStagedModule<T> (service: NodeService, module: object, signature: string | undefined, work: (staged: string) => Promise<T>): Promise<T> {
  const staged = mkdtempSync(join(tmpdir(), 'nfp-policy-'))
  try {
    cpSync(service.config.policiesDir, staged, { recursive: true })
    const folder = join(staged, service.jurisdiction.toLowerCase())
    writeFileSync(join(folder, 'module.json'), JSON.stringify(module, null, 2) + '\n')
    rmSync(join(folder, 'module.sig'), { force: true })
    if (signature !== undefined) writeFileSync(join(folder, 'module.sig'), signature.trim() + '\n')
    return await work(staged)
  } finally {
    rmSync(staged, { recursive: true, force: true })
  }
}
