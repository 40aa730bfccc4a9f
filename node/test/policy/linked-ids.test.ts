import t from 'tap'
import { linkedIdsToResolve } from '../../src/policy/index.ts'
import { PERMIT_ALL, moduleOf, person, rule, seizure } from './helpers.ts'

t.test('linked ids to resolve', t => {
  const module = moduleOf(t, [PERMIT_ALL, rule('XX-LNK-01', 'redact', 'true', {
    appliesTo: ['Seizure'],
    withholdLinks: [{ field: 'persons', linkedTypes: ['Person'], when: "linked.subjectCategory == 'informant'" }]
  })])
  const record = seizure({ persons: ['urn:nfp:se:person:i-1', 'urn:nfp:se:firearm:f-1', 'urn:nfp:de:person:p-2'] })
  t.same(linkedIdsToResolve(module, 'outbound', record), ['urn:nfp:se:person:i-1', 'urn:nfp:de:person:p-2'])
  t.same(linkedIdsToResolve(module, 'inbound', record), [], 'no link rule in the inbound section')
  t.same(linkedIdsToResolve(module, 'outbound', person()), [], 'no link rule for persons')
  t.end()
})
