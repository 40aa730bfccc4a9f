import t from 'tap'
import { loadPolicyModule } from '../../src/policy/index.ts'
import { decideCopies } from '../../src/policy/copies.ts'
import type { ExchangeFacts } from '../../src/policy/copies.ts'
import { POLICIES, PERMIT_ALL, SOURCE, loadError, moduleOf, writeModules, moduleContent } from './helpers.ts'

const eu = loadPolicyModule(POLICIES, 'EU')
const fr = loadPolicyModule(POLICIES, 'FR')
const request: ExchangeFacts = { kind: 'request', urgent: false, europolCopy: false, copyExemption: '', ownRecordsOnly: true }
const nfp = (jurisdiction: string): { jurisdiction: string, roles: string[] } => ({ jurisdiction, roles: ['law-enforcement'] })
const spoc = (jurisdiction: string): { jurisdiction: string, roles: string[] } => ({ jurisdiction, roles: ['single-point-of-contact'] })
const targets = (result: ReturnType<typeof decideCopies>): string[] => result.copies.map(c => `${c.to}:${c.ruleId}`).sort()

t.test('request from a non-SPOC node is copied to own SPOC', async t => {
  t.same(targets(decideCopies(eu.copyRules ?? [], request, nfp('DE'), nfp('FR'))), ['own-spoc:EU-COPY-01'])
  t.same(targets(decideCopies(eu.copyRules ?? [], request, spoc('DE'), nfp('FR'))), [], 'a SPOC copies no request to itself')
  t.same(targets(decideCopies(eu.copyRules ?? [], { ...request, copyExemption: 'PERSON_SAFETY' }, nfp('DE'), nfp('FR'))), [], 'exemption of Art. 4(2)')
  t.same((fr.copyRules ?? []).map(r => r.id), (eu.copyRules ?? []).map(r => r.id), 'a national module inherits the EU copy rules')
})

t.test('answer and initiative copies follow the roles', async t => {
  const answer = { ...request, kind: 'answer' as const }
  t.same(targets(decideCopies(eu.copyRules ?? [], answer, nfp('FR'), nfp('DE'))), ['own-spoc:EU-COPY-04', 'peer-spoc:EU-COPY-02'])
  t.same(targets(decideCopies(eu.copyRules ?? [], answer, spoc('FR'), spoc('DE'))), [])
  const initiative = { ...request, kind: 'initiative' as const }
  t.same(targets(decideCopies(eu.copyRules ?? [], initiative, spoc('FR'), nfp('DE'))), ['peer-spoc:EU-COPY-03'])
})

t.test('Europol copy needs the assessment and own records', async t => {
  const assessed = { ...request, europolCopy: true }
  t.same(targets(decideCopies(eu.copyRules ?? [], assessed, spoc('DE'), spoc('FR'))), ['europol:EU-COPY-05'])
  t.same(targets(decideCopies(eu.copyRules ?? [], { ...assessed, kind: 'answer', ownRecordsOnly: false }, spoc('DE'), spoc('FR'))), [], 'foreign records need consent first')
  const citation = decideCopies(eu.copyRules ?? [], assessed, spoc('DE'), spoc('FR')).copies[0]?.citation
  t.match(citation, /Art\. 12 \[IED-70\]/)
})

t.test('failing copy condition makes no copy and is reported', async t => {
  const module = moduleOf(t, [PERMIT_ALL], { copies: [{ id: 'XX-COPY-01', title: 'Copy by index.', sources: [SOURCE], on: ['request'], to: 'europol', when: 'self.roles[3] == "x"' }] })
  const result = decideCopies(module.copyRules ?? [], request, nfp('DE'), nfp('FR'))
  t.same(result.copies, [])
  t.equal(result.errors[0]?.ruleId, 'XX-COPY-01')
})

t.test('invalid copy rules are rejected at load', async t => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ to: 'interpol' }, /copies\[0\]\.to: must be one of own-spoc, peer-spoc, europol/],
    [{ on: ['hit'] }, /copies\[0\]\.on: must be a non-empty list of request, answer, initiative/],
    [{ when: 'exchange.kind' }, /copies\[0\]\.when: must be true or false/],
    [{ when: 'exchange.urgnt' }, /copies\[0\]\.when: .*urgnt/],
    [{ extra: 1 }, /unknown key "extra"/]
  ]
  for (const [change, message] of cases) {
    const copy = { id: 'XX-COPY-01', title: 'Copy.', sources: [SOURCE], on: ['request'], to: 'europol', when: 'true', ...change }
    const dir = writeModules(t, { xx: moduleContent({ outbound: [PERMIT_ALL], copies: [copy] }) })
    const err = loadError(dir, 'xx')
    t.equal(err.code, 'ERR_POLICY_INVALID')
    t.match(err.message, message)
  }
})
