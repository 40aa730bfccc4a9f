/**
 * Measures outbound policy decisions per second for the EU base module on one JavaScript
 * thread, next to two baselines: hand-written JavaScript doing the same field tests as the
 * EU outbound rules, and JSON.stringify of the same record.
 *
 * Run it with `npm run bench:policy`. `--write` replaces the section of docs/benchmarks.md
 * between its markers with the figures; `--seconds N` sets the length of each of the three
 * measured rounds (default 3).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { availableParallelism, platform, release } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { computeVersionHash } from '../protocol/src/index.ts'
import { planAgoraImport } from '../node/src/import/agora.ts'
import { evaluateOutbound, loadPolicyModule } from '../node/src/policy/index.ts'
import type { Decision, OutboundContext } from '../node/src/policy/index.ts'

const ROOT = new URL('../', import.meta.url)
const CSV = fileURLToPath(new URL('data/agora-weapons-2014/agora_weapons_listings_2014Q1.csv', ROOT))
const POLICIES = fileURLToPath(new URL('policies/', ROOT))
const DOC = fileURLToPath(new URL('docs/benchmarks.md', ROOT))
const START = '<!-- policy-decisions:start -->'
const END = '<!-- policy-decisions:end -->'
const MEMBERS = ['DE', 'NL', 'SE']
// A fixed time, so that the review dates below are passed or due the same way on every run.
const NOW = new Date('2026-12-04T10:00:00Z')

type Json = Record<string, unknown>
interface Item { record: Json, context: OutboundContext }

function buildWorkload (): { items: Item[], counts: string } {
  const plan = planAgoraImport(readFileSync(CSV, 'utf8'), { jurisdictions: MEMBERS, defaultJurisdiction: 'SE', now: new Date('2026-06-01T00:00:00Z') })
  const agora = plan.rows.flatMap(row => row.drafts.map(draft => finish({ ...draft }, row.jurisdiction)))
  const persons = syntheticPersons(140)
  const linked = new Map<string, unknown>(persons.map(person => [person.id as string, person]))
  const seizures = syntheticSeizures(40, persons)
  const records = [...agora, ...persons, ...seizures]

  const items = records.map((record, index) => {
    const origin = (record.provenance as Json).jurisdiction as string
    // One record in five is relayed by another member, so the consent rule decides both ways.
    const self = index % 5 === 0 ? MEMBERS[(MEMBERS.indexOf(origin) + 1) % MEMBERS.length] as string : origin
    const recipients = MEMBERS.filter(code => code !== self)
    return { record, context: { self: { jurisdiction: self }, recipient: { jurisdiction: recipients[index % recipients.length] as string }, now: NOW, linked } }
  })
  const counts = `${agora.length} from the Agora listings (${Object.entries(plan.totals.draftsByType).map(([type, count]) => `${count} ${type}`).join(', ')}), ${persons.length} synthetic persons and ${seizures.length} synthetic seizures linking them`
  return { items, counts }
}

/** Adds what the node adds at ingest: provenance and the version hash. */
function finish (record: Json, jurisdiction: string): Json {
  record.provenance = { jurisdiction, agency: `${jurisdiction} National Focal Point`, created: '2026-06-01T08:00:00Z', modified: '2026-06-01T08:00:00Z' }
  delete record.versionHash
  record.versionHash = computeVersionHash(record)
  return record
}

const CATEGORIES = ['suspect', 'convicted', 'potential-offender', 'victim', 'witness', 'contact', 'informant']

function syntheticPersons (count: number): Json[] {
  return Array.from({ length: count }, (_, index) => {
    const jurisdiction = MEMBERS[index % MEMBERS.length] as string
    const person: Json = {
      '@context': 'urn:ceasefire:context:v1',
      id: `urn:nfp:${jurisdiction.toLowerCase()}:person:bench-${index}`,
      type: 'Person',
      handlingCode: handlingCodeOf(index),
      grading: { sourceReliability: 'B', informationAccuracy: 2 },
      legalBasis: 'Directive (EU) 2023/977 Art. 7(1)',
      reviewBy: index % 13 === 0 ? '2026-11-30' : '2029-06-01',
      subjectCategory: CATEGORIES[index % CATEGORIES.length],
      familyName: `Family${index}`,
      givenName: `Given${index}`,
      aliases: [`Alias${index}`],
      dateOfBirth: '1990-01-01',
      placeOfBirth: 'Malmo',
      nationality: [jurisdiction],
      sex: index % 2 === 0 ? 'female' : 'male',
      address: `Street ${index}`,
      identityDocuments: [{ documentType: 'passport', documentNumber: `P${index}`, issuingCountry: jurisdiction }],
      ...(index % 4 === 0 ? { onwardSharingConsent: MEMBERS.filter(code => code !== jurisdiction).slice(0, 1) } : {})
    }
    if (person.handlingCode === 'H3') person.handlingConditions = 'Consult the originating unit before any use.'
    return finish(person, jurisdiction)
  })
}

/** Gives one person in eleven handling code H2 and some of the rest H3. */
function handlingCodeOf (index: number): string {
  if (index % 11 === 0) return 'H2'
  if (index % 17 === 0) return 'H3'
  return 'H0'
}

function syntheticSeizures (count: number, persons: readonly Json[]): Json[] {
  return Array.from({ length: count }, (_, index) => {
    const jurisdiction = MEMBERS[index % MEMBERS.length] as string
    const linkedPersons = [0, 1, 2].map(offset => persons[(index * 3 + offset) % persons.length]?.id as string)
    return finish({
      '@context': 'urn:ceasefire:context:v1',
      id: `urn:nfp:${jurisdiction.toLowerCase()}:seizure:bench-${index}`,
      type: 'Seizure',
      handlingCode: 'H0',
      grading: { sourceReliability: 'A', informationAccuracy: 1 },
      legalBasis: 'Directive (EU) 2023/977 Art. 7(1)',
      reviewBy: '2029-06-01',
      date: '2026-05-30',
      country: jurisdiction,
      persons: [...linkedPersons, `urn:nfp:${jurisdiction.toLowerCase()}:person:bench-unknown-${index}`]
    }, jurisdiction)
  })
}

/** The outcome the EU outbound rules give, written by hand as a plain function. */
interface HandOutcome { effect: 'permit' | 'deny', removedFields: string[], withheld: string[], noOnward: boolean }

const WITNESS_FIELDS = ['dateOfBirth', 'placeOfBirth', 'address', 'identityDocuments', 'aliases']
const CONTACT_FIELDS = ['dateOfBirth', 'placeOfBirth', 'address', 'identityDocuments']

function decideByHand ({ record, context }: Item): HandOutcome {
  const self = context.self.jurisdiction
  const recipient = context.recipient.jurisdiction
  const today = context.now.toISOString().slice(0, 10)
  const consent = record.onwardSharingConsent as string[] | undefined
  const denied = ((record.provenance as Json).jurisdiction !== self && !(consent !== undefined && consent.includes(recipient))) ||
    record.handlingCode === 'H3' ||
    (record.type === 'Person' && record.subjectCategory === 'informant') ||
    (record.reviewBy as string) < today
  if (denied) return { effect: 'deny', removedFields: [], withheld: [], noOnward: false }

  let fields: string[] = []
  if (record.type === 'Person' && (record.subjectCategory === 'witness' || record.subjectCategory === 'victim')) fields = WITNESS_FIELDS
  if (record.type === 'Person' && record.subjectCategory === 'contact') fields = CONTACT_FIELDS
  const withheld: string[] = []
  for (const field of ['persons', 'linkedRecords', 'linkedPerson']) {
    const value = record[field]
    const ids = Array.isArray(value) ? value as string[] : [value].filter(item => typeof item === 'string') as string[]
    for (const id of ids) {
      if (id.split(':')[3] !== 'person') continue
      const target = context.linked?.get(id) as Json | undefined
      if (target === undefined || (target.type === 'Person' && target.subjectCategory === 'informant')) withheld.push(id)
    }
  }
  return { effect: 'permit', removedFields: fields.filter(field => record[field] !== undefined), withheld, noOnward: record.handlingCode === 'H2' }
}

function sameOutcome (decision: Decision, hand: HandOutcome): boolean {
  return decision.effect === hand.effect &&
    decision.removedFields.join() === hand.removedFields.join() &&
    decision.withheldLinks.map(link => link.id).join() === hand.withheld.join() &&
    (decision.attached.noOnwardSharingWithoutConsent === true) === hand.noOnward
}

/** Runs `work` over the items for three rounds of `seconds` each after a warm-up; returns the median rate. */
function measure (label: string, items: readonly Item[], seconds: number, work: (item: Item) => unknown): number {
  let sink = 0
  const round = (duration: number): number => {
    let done = 0
    const start = performance.now()
    const end = start + duration * 1000
    while (performance.now() < end) {
      for (const item of items) if (work(item) !== undefined) sink++
      done += items.length
    }
    return done / ((performance.now() - start) / 1000)
  }
  round(Math.min(1, seconds))
  const rates = [round(seconds), round(seconds), round(seconds)].sort((a, b) => a - b)
  // The sink keeps the optimiser from dropping work whose result is never used.
  if (sink < 0) console.log(label)
  return rates[1] as number
}

function describeMachine (): { cpu: string, cores: number, os: string, date: string } {
  let cpu = 'unknown CPU'
  if (existsSync('/proc/cpuinfo')) {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu
  }
  return { cpu, cores: availableParallelism(), os: `${platform()} ${release()}`, date: new Date().toISOString().slice(0, 10) }
}

function format (rate: number): string {
  return Math.round(rate).toLocaleString('en-US')
}

function writeSection (section: string): void {
  const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n'
  const start = current.indexOf(START)
  const end = current.indexOf(END)
  const next = start >= 0 && end > start
    ? current.slice(0, start) + section + current.slice(end + END.length)
    : `${current.trimEnd()}\n\n${section}\n`
  writeFileSync(DOC, next)
  console.log(`\nwrote ${DOC}`)
}

function main (): void {
  const { values } = parseArgs({ options: { write: { type: 'boolean' }, seconds: { type: 'string' } } })
  const seconds = Number(values.seconds ?? 3)
  if (!(seconds > 0)) throw new RangeError(`--seconds must be a positive number, got ${String(values.seconds)}`)

  // Step 1: the workload, Agora records as the importer plans them plus synthetic persons and seizures.
  const module = loadPolicyModule(POLICIES, 'eu')
  const { items, counts } = buildWorkload()

  // Step 2: the engine and the hand-written checks must agree before their speed is compared.
  const mismatches = items.filter(item => !sameOutcome(evaluateOutbound(module, item.record, item.context), decideByHand(item)))
  if (mismatches.length > 0) {
    console.error(`the hand-written baseline disagrees with the engine on ${mismatches.length} records, for example ${String(mismatches[0]?.record.id)}`)
    process.exit(1)
  }

  // Step 3: measure.
  const engine = measure('engine', items, seconds, item => evaluateOutbound(module, item.record, item.context))
  const byHand = measure('hand-written checks', items, seconds, item => decideByHand(item))
  const stringify = measure('JSON.stringify of the record', items, seconds, item => JSON.stringify(item.record))

  // Step 4: report.
  const machine = describeMachine()
  const rows: Array<[string, number]> = [
    [`engine: \`evaluateOutbound\`, EU module (${module.rules.filter(rule => rule.section === 'outbound').length} outbound rules)`, engine],
    ['hand-written JavaScript doing the same field tests', byHand],
    ['`JSON.stringify` of the same record', stringify]
  ]
  const section = [
    START,
    '## Policy decisions, EU module',
    '',
    `Measured ${machine.date} with \`npm run bench:policy\` (script \`bench/policy-decisions.ts\`).`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} logical CPUs, ${machine.os}, Node.js ${process.version}. The`,
    'benchmark runs on one JavaScript thread; V8 may use helper threads for garbage collection.',
    '',
    `Workload: ${items.length} outbound decisions in a fixed rotation, ${counts}. Each`,
    'decision includes the plain-language explanation. Figures are the median of three rounds of',
    `${seconds} s after a warm-up.`,
    '',
    '| measurement | per second | engine ÷ this |',
    '| --- | ---: | ---: |',
    ...rows.map(([label, rate]) => `| ${label} | ${format(rate)} | ${(engine / rate).toFixed(2)} |`),
    '',
    `Target: 100,000 decisions per second. ${engine >= 100_000 ? 'Met' : 'Not met'} on this machine.`,
    END
  ].join('\n')

  console.log(section.split('\n').filter(line => !line.startsWith('<!--')).join('\n'))
  if (values.write === true) writeSection(section)
}

main()
