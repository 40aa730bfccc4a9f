import t from 'tap'
import { loadPolicyModule } from '../../src/policy/index.ts'
import { decideHitQuery } from '../../src/policy/hit-queries.ts'
import { evaluateIndex } from '../../src/policy/evaluate.ts'
import { NOW, POLICIES, SOURCE, loadError, moduleContent, rule, writeModules } from './helpers.ts'

const hitRule = (id: string, effect: string, requesters: string[], identifierTypes: string[]): Record<string, unknown> =>
  ({ id, title: `Test hit query rule ${id}.`, sources: [SOURCE], requesters, identifierTypes, effect })

t.test('EU module permits serial queries', async t => {
  const module = loadPolicyModule(POLICIES, 'SE')
  const decision = decideHitQuery(module, 'DE', 'firearm-serial')
  t.equal(decision.effect, 'permit')
  t.same(decision.rules, ['EU-HITQ-01'])
  t.equal(decision.policyHash, module.hash)
})

t.test('hit query deny beats permit', async t => {
  const directory = writeModules(t, {
    xx: moduleContent({ hitQueries: [hitRule('XX-HITQ-01', 'permit', ['*'], ['*']), hitRule('XX-HITQ-02', 'deny', ['NL'], ['person'])] })
  })
  const module = loadPolicyModule(directory, 'xx')
  t.equal(decideHitQuery(module, 'NL', 'person').effect, 'deny')
  t.same(decideHitQuery(module, 'NL', 'person').rules, ['XX-HITQ-02'])
  t.equal(decideHitQuery(module, 'NL', 'vin').effect, 'permit')
  t.equal(decideHitQuery(module, 'DE', 'person').effect, 'permit')
})

t.test('hit query without rules is denied', async t => {
  const module = loadPolicyModule(writeModules(t, { xx: moduleContent({}) }), 'xx')
  const decision = decideHitQuery(module, 'DE', 'vin')
  t.equal(decision.effect, 'deny')
  t.same(decision.rules, [])
  t.match(decision.explanation, /no rule of the hitQueries list permits it/)
})

t.test('hit query rule with unknown type is invalid', async t => {
  const directory = writeModules(t, { xx: moduleContent({ hitQueries: [hitRule('XX-HITQ-01', 'permit', ['*'], ['passport'])] }) })
  const error = loadError(directory, 'xx')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /hitQueries\[0\]\.identifierTypes\[0\]: must be one of firearm-serial/)
})

t.test('index rule cannot redact', async t => {
  const directory = writeModules(t, { xx: moduleContent({ index: [rule('XX-IDX-01', 'redact', 'true', { fields: ['description'] })] }) })
  const error = loadError(directory, 'xx')
  t.equal(error.code, 'ERR_POLICY_INVALID')
  t.match(error.message, /an index rule can only permit or deny/)
})

t.test('index decision reads own records', async t => {
  const module = loadPolicyModule(writeModules(t, { xx: moduleContent({ index: [rule('XX-IDX-01', 'permit', 'record.provenance.jurisdiction == self.jurisdiction')] }) }), 'xx')
  const own = { type: 'Firearm', provenance: { jurisdiction: 'SE' } }
  const received = { type: 'Firearm', provenance: { jurisdiction: 'DE' } }
  t.equal(evaluateIndex(module, own, { self: { jurisdiction: 'SE' }, now: NOW }).effect, 'permit')
  t.equal(evaluateIndex(module, received, { self: { jurisdiction: 'SE' }, now: NOW }).effect, 'deny')
})
