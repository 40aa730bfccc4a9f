import t from 'tap'
import type { Test } from 'tap'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { comparePolicyModules } from '../../src/policy/compat.ts'
import { diffPolicyModules } from '../../src/policy/diff.ts'
import { NOW, POLICIES } from './helpers.ts'

/** Copies the shipped policies and lets `change` edit the EU module. */
function changedCopy (t: Test, change: (module: Record<string, any>) => void): string {
  const directory = t.testdir({})
  cpSync(POLICIES, directory, { recursive: true })
  const file = join(directory, 'eu', 'module.json')
  const module = JSON.parse(readFileSync(file, 'utf8'))
  change(module)
  writeFileSync(file, JSON.stringify(module, null, 2))
  return directory
}

t.test('same modules show no change', t => {
  const diff = diffPolicyModules(POLICIES, POLICIES, 'se', { now: NOW })
  t.same(diff.changes, [])
  t.ok(diff.casesCompared > 100)
  t.end()
})

t.test('narrower redaction gains fields', t => {
  const old = changedCopy(t, module => {
    module.version = '2026-12-01.1'
    module.outbound.find((rule: any) => rule.id === 'EU-PD-03').fields = ['dateOfBirth', 'placeOfBirth', 'address', 'identityDocuments', 'aliases']
  })
  const diff = diffPolicyModules(old, POLICIES, 'se', { now: NOW })
  t.equal(diff.oldVersion, '2026-12-04.2 (EU 2026-12-01.1)')
  t.equal(diff.newVersion, '2026-12-04.2 (EU 2026-12-04.3)')
  const gains = diff.changes.filter(change => change.change === 'gains access (no longer removed)')
  t.same([...new Set(gains.map(change => `${change.section} ${change.recordType} ${change.field}`))], ['outbound Person aliases'])
  t.same([...new Set(gains.map(change => change.counterpart))].sort(), ['AT', 'CY', 'DE', 'DK', 'FR', 'NL'])
  t.ok(diff.changes.every(change => change.field === 'aliases'), 'nothing else changes')
  t.end()
})

t.test('removed deny rule gains access', t => {
  const old = changedCopy(t, module => {
    module.outbound.push({ ...module.outbound.find((rule: any) => rule.id === 'EU-HC-03'), id: 'EU-HC-01', when: "record.handlingCode == 'H1'" })
  })
  const diff = diffPolicyModules(old, POLICIES, 'se', { now: NOW })
  const records = diff.changes.filter(change => change.field === '(record)')
  t.ok(records.length > 0)
  t.ok(records.every(change => change.change === 'gains access (deny -> permit)'))
  t.ok(records.every(change => change.example.includes('"H1"') || change.example.startsWith('test case')))
  t.end()
})

t.test('attached condition shows in diff', t => {
  const old = changedCopy(t, module => { module.outbound = module.outbound.filter((rule: any) => rule.id !== 'EU-HC-02') })
  const diff = diffPolicyModules(old, POLICIES, 'se', { now: NOW })
  t.ok(diff.changes.length > 0)
  t.ok(diff.changes.every(change => change.field === '(conditions)' && change.change === 'condition added: noOnwardSharingWithoutConsent'))
  t.end()
})

t.test('compat lists flows both ways', t => {
  const result = comparePolicyModules(POLICIES, 'se', 'de', { now: NOW })
  t.equal(result.a, 'SE')
  t.equal(result.b, 'DE')
  t.same([...new Set(result.flows.map(flow => `${flow.from}->${flow.to}`))], ['SE->DE', 'DE->SE'])
  const person = result.flows.find(flow => flow.from === 'SE' && flow.recordType === 'Person')
  t.ok((person?.flows ?? 0) > 0, 'some persons flow')
  t.ok((person?.blockedBy.get('SE EU-PD-02') ?? 0) > 0, 'informants are stopped by the sender')
  t.ok((person?.removedFields.get('dateOfBirth') ?? 0) > 0, 'witness details are removed')
  t.ok((result.flows.find(flow => flow.recordType === 'Firearm')?.blockedBy.get('DE EU-IN-ONW-01') ?? 0) > 0, 'the receiver stops relayed records without consent')
  t.end()
})
