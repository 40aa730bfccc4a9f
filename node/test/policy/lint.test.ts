import t from 'tap'
import { lintPolicyModule } from '../../src/policy/lint.ts'
import { NOW, PERMIT_ALL, POLICIES, moduleContent, rule, writeModules } from './helpers.ts'

const messages = (report: ReturnType<typeof lintPolicyModule>, severity: string): string[] =>
  report.findings.filter(finding => finding.severity === severity).map(finding => finding.message)

t.test('shipped modules have no lint errors', t => {
  for (const name of ['eu', 'de', 'nl', 'se']) {
    const report = lintPolicyModule(POLICIES, name, { now: NOW })
    t.same(messages(report, 'error'), [], name)
    t.ok(report.generatedCases > 100, `${name} ran on generated cases`)
  }
  t.end()
})

t.test('unchecked citations are warnings', t => {
  const report = lintPolicyModule(POLICIES, 'eu', { now: NOW })
  t.ok(messages(report, 'warning').some(message => /^EU-PD-01 cites sources not yet compared with the Official Journal: .*Annex II Section B/.test(message)))
  t.notOk(messages(report, 'warning').some(message => message.startsWith('EU-SHARE-01 ')), 'a rule whose sources are all checked is not listed')
  t.end()
})

t.test('findings on a faulty module', t => {
  const directory = writeModules(t, {
    xx: moduleContent({
      outbound: [
        { ...PERMIT_ALL, appliesTo: ['Firearm'] },
        rule('XX-D-01', 'deny', "record.reviewBy != ''", { appliesTo: ['Firearm'], sources: [] }),
        rule('XX-N-01', 'deny', "record.handlingCode == 'H1' && record.handlingCode == 'H2'", { appliesTo: ['Firearm'] }),
        rule('XX-E-01', 'deny', "'SE' in record.onwardSharingConsent", { appliesTo: ['Firearm'] }),
        rule('XX-R-01', 'redact', 'true', { appliesTo: ['Firearm', 'Person'], fields: ['address'] })
      ]
    })
  })
  const report = lintPolicyModule(directory, 'xx', { now: NOW })
  t.same(messages(report, 'error'), ['XX-D-01 has no legal source; add act, article and checked under "sources"'])
  const warnings = messages(report, 'warning')
  t.ok(warnings.some(message => /^XX-ALL-01 is shadowed: in every generated case where it fires, a deny rule also fires \(XX-D-01/.test(message)), 'shadowed permit')
  t.ok(warnings.some(message => /^XX-D-01 fires in every one of \d+ generated cases/.test(message)), 'always fires')
  t.ok(warnings.some(message => /^XX-N-01 never fires in \d+ generated cases/.test(message)), 'never fires')
  t.ok(warnings.some(message => /^XX-E-01 fails to evaluate in \d+ of \d+ generated cases, for example with record\.onwardSharingConsent absent/.test(message)), 'fails')
  t.ok(warnings.some(message => /^XX-R-01 applies to Firearm, whose schema defines none of the fields address/.test(message)), 'field not in a schema')
  t.match(report.findings[0]?.location, /xx\/module\.json:\d+:\d+$/)
  t.end()
})

t.test('module that does not load', t => {
  const directory = writeModules(t, { xx: moduleContent({ outbound: [rule('XX-D-01', 'deny', 'record.handlingCod == "H3"')] }) })
  const report = lintPolicyModule(directory, 'xx', { now: NOW })
  t.equal(report.findings.length, 1)
  t.equal(report.findings[0]?.severity, 'error')
  t.match(report.findings[0]?.location, /xx\/module\.json:\d+:\d+$/)
  t.match(report.findings[0]?.message, /No such key: handlingCod/)
  t.end()
})
