import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { exportJWK, generateKeyPair } from 'jose'
import type { JWK } from 'jose'
import { parseArgs } from 'node:util'
import { NfpError } from '@ceasefire/protocol'
import { comparePolicyModules } from '../policy/compat.ts'
import { diffPolicyModules } from '../policy/diff.ts'
import { evaluateOutbound, loadPolicyModule } from '../policy/index.ts'
import { lintPolicyModule } from '../policy/lint.ts'
import { runPolicyTests } from '../policy/test-runner.ts'
import { formatTable } from '../policy/text-table.ts'
import { signModuleFile } from '../policy-trust.ts'
import type { Command } from './args.ts'
import { UsageError } from './args.ts'
import { DEFAULT_POLICIES_DIR } from './init.ts'

/** Destination of the command's output; tests pass their own to capture it. */
export interface PolicyOutput {
  log: (text: string) => void
  error: (text: string) => void
}

type Values = Record<string, string | boolean | string[] | undefined>

const SUBCOMMANDS = ['test', 'lint', 'diff', 'compat', 'explain', 'keygen', 'sign'] as const
type Subcommand = typeof SUBCOMMANDS[number]

const USAGE = [
  'nfp policy test [--policies DIR] [JURISDICTION...]',
  'nfp policy lint [--policies DIR] [JURISDICTION...]',
  'nfp policy diff OLD_DIR NEW_DIR [JURISDICTION...]',
  'nfp policy compat [--policies DIR] A B',
  'nfp policy explain --record FILE --to JURISDICTION [--from JURISDICTION] [--linked FILE] [--policies DIR]',
  'nfp policy keygen --out FILE --name "NAME"',
  'nfp policy sign --key FILE [--policies DIR] JURISDICTION...'
].join('\n       ')

const OPTIONS = {
  policies: { type: 'string' },
  record: { type: 'string' },
  linked: { type: 'string' },
  to: { type: 'string' },
  from: { type: 'string' },
  now: { type: 'string' },
  out: { type: 'string' },
  key: { type: 'string' },
  name: { type: 'string' }
} as const

/**
 * The `nfp policy` command. It takes a subcommand and positional arguments, which the shared
 * option parser of the other commands rejects. So `main` parses its own arguments, and `run`
 * only prints the usage.
 */
export const policyCommand: Command & { main: (argv: string[], output?: PolicyOutput) => Promise<number> } = {
  name: 'policy',
  summary: 'test, lint, compare and explain policy modules',
  usage: USAGE,
  options: { ...OPTIONS },
  help: {
    policies: 'Folder of policy modules (default: the policies/ folder of this repository).',
    record: 'explain: JSON file with the record to decide.',
    linked: 'explain: JSON file with a list of the records the record links to, for link rules.',
    to: 'explain: jurisdiction the record would be sent to.',
    from: 'explain: jurisdiction of the sending node (default: the record\'s originator).',
    now: 'Date-time to decide at, such as 2026-12-04T10:00:00Z (default: the current time).',
    out: 'keygen: file for the private key (mode 600); the public key goes to the same name with .pub.jwk.',
    key: 'sign: private key file of the legal officer, from keygen.',
    name: 'keygen: name of the legal officer, shown in decisions and the audit log.'
  },
  run: async () => {
    console.error(`nfp policy: a subcommand is required\nUsage: ${USAGE}`)
    return 2
  },
  main: async (argv, output = { log: text => { console.log(text) }, error: text => { console.error(text) } }) => {
    try {
      return await runSubcommand(argv, output)
    } catch (error) {
      if (error instanceof UsageError) {
        output.error(`nfp policy: ${error.message}\nUsage: ${USAGE}`)
        return 2
      }
      if (error instanceof NfpError) {
        output.error(`nfp policy: ${error.code}: ${error.message}`)
        return 1
      }
      throw error
    }
  }
}

async function runSubcommand (argv: string[], output: PolicyOutput): Promise<number> {
  let parsed: { values: Values, positionals: string[] }
  try {
    parsed = parseArgs({ args: argv, options: { ...OPTIONS, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const [name, ...positionals] = parsed.positionals
  if (parsed.values.help === true || name === undefined) {
    output.log(`nfp policy: ${policyCommand.summary}\n\nUsage: ${USAGE}`)
    return name === undefined && parsed.values.help !== true ? 2 : 0
  }
  if (!(SUBCOMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown subcommand \`${name}\`; use one of ${SUBCOMMANDS.join(', ')}`)

  const values = parsed.values
  const policies = typeof values.policies === 'string' ? values.policies : DEFAULT_POLICIES_DIR
  const now = nowOption(values)
  const run: Record<Subcommand, () => number | Promise<number>> = {
    test: () => testModules(policies, positionals, output),
    lint: () => lintModules(policies, positionals, now, output),
    diff: () => diffModules(positionals, now, output),
    compat: () => compatModules(policies, positionals, now, output),
    explain: () => explainRecord(policies, values, now, output),
    keygen: async () => await generateOfficerKey(values, output),
    sign: async () => await signModules(policies, positionals, values, output)
  }
  return await run[name as Subcommand]()
}

function nowOption (values: Values): Date | undefined {
  if (values.now === undefined) return undefined
  const now = new Date(String(values.now))
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now must be a date-time such as 2026-12-04T10:00:00Z, got ${String(values.now)}`)
  return now
}

/** Returns the jurisdictions named on the command line, or else those of every module folder of `policies`. */
function jurisdictionsOf (policies: string, named: readonly string[]): string[] {
  if (named.length > 0) return named.map(name => name.toUpperCase())
  try {
    return readdirSync(policies, { withFileTypes: true })
      .filter(entry => entry.isDirectory() && /^[a-z]{2}$/.test(entry.name))
      .map(entry => entry.name.toUpperCase())
      .sort()
  } catch (error) {
    throw new UsageError(`cannot read the policies folder ${policies}: ${(error as Error).message}`)
  }
}

function testModules (policies: string, named: readonly string[], output: PolicyOutput): number {
  let failed = false
  for (const jurisdiction of jurisdictionsOf(policies, named)) {
    const report = runPolicyTests(policies, jurisdiction)
    const passedCases = report.cases.filter(outcome => outcome.passed).length
    const own = report.coverage.filter(entry => entry.own)
    const covered = own.filter(entry => entry.problem === undefined).length
    output.log(`${report.jurisdiction}: ${passedCases} of ${report.cases.length} cases passed; ${covered} of ${own.length} own rules covered`)
    for (const outcome of report.cases.filter(outcome => !outcome.passed)) {
      const where = `${outcome.position.file}:${outcome.position.line}:${outcome.position.column}`
      output.log(`  FAIL ${where} "${outcome.name}"\n${outcome.failures.map(failure => `       ${failure}`).join('\n')}`)
    }
    if (own.length > 0) {
      const rows = own.map(entry => [entry.ruleId, entry.section, String(entry.fired), String(entry.notFired), String(entry.failed), entry.problem ?? 'ok'])
      output.log(indent(formatTable(['rule', 'section', 'fires', 'does not fire', 'fails', 'coverage'], rows)))
    }
    failed ||= !report.passed
  }
  return failed ? 1 : 0
}

function lintModules (policies: string, named: readonly string[], now: Date | undefined, output: PolicyOutput): number {
  let errors = 0
  for (const jurisdiction of jurisdictionsOf(policies, named)) {
    const report = lintPolicyModule(policies, jurisdiction, now === undefined ? {} : { now })
    const count = (severity: string): number => report.findings.filter(finding => finding.severity === severity).length
    output.log(`${report.jurisdiction}: ${count('error')} errors, ${count('warning')} warnings (${report.generatedCases} generated cases)`)
    for (const finding of report.findings) {
      output.log(`  ${finding.location === '' ? '' : `${finding.location}: `}${finding.severity}: ${finding.message}`)
    }
    errors += count('error')
  }
  return errors > 0 ? 1 : 0
}

function diffModules (positionals: readonly string[], now: Date | undefined, output: PolicyOutput): number {
  const [oldDirectory, newDirectory, ...named] = positionals
  if (oldDirectory === undefined || newDirectory === undefined) throw new UsageError('diff needs the old and the new policies folder')
  for (const jurisdiction of jurisdictionsOf(newDirectory, named)) {
    const diff = diffPolicyModules(oldDirectory, newDirectory, jurisdiction, now === undefined ? {} : { now })
    output.log(`${diff.jurisdiction} ${diff.oldVersion} -> ${diff.newVersion}: ${diff.changes.length === 0 ? 'no change in access' : `${diff.changes.length} changes`} over ${diff.casesCompared} cases`)
    if (diff.changes.length === 0) continue
    const rows = diff.changes.map(change => [change.section, change.recordType, change.counterpart, change.field, change.change, String(change.cases), change.example])
    output.log(indent(formatTable(['section', 'record type', 'recipient/sender', 'field', 'change', 'cases', 'example'], rows)))
  }
  return 0
}

function compatModules (policies: string, positionals: readonly string[], now: Date | undefined, output: PolicyOutput): number {
  const [a, b, ...rest] = positionals
  if (a === undefined || b === undefined || rest.length > 0) throw new UsageError('compat needs exactly two jurisdictions, such as `nfp policy compat SE DE`')
  const result = comparePolicyModules(policies, a, b, now === undefined ? {} : { now })
  output.log(`Records that can flow between ${result.a} and ${result.b} under the outbound rules of the sender and the inbound rules of the receiver, over generated cases:`)
  const rows = result.flows.map(flow => {
    const blocked = [...flow.blockedBy].sort((x, y) => y[1] - x[1]).map(([rule, count]) => `${rule} (${count})`).join(', ')
    const removed = [...flow.removedFields].map(([field, count]) => `${field} (${count})`).join(', ')
    return [`${flow.from} -> ${flow.to}`, flow.recordType, String(flow.cases), String(flow.flows), String(flow.needApproval), blocked || '-', removed || '-']
  })
  output.log(indent(formatTable(['direction', 'record type', 'cases', 'flow', 'need approval', 'blocked by (cases)', 'fields removed (cases)'], rows)))
  return 0
}

function explainRecord (policies: string, values: Values, now: Date | undefined, output: PolicyOutput): number {
  if (typeof values.record !== 'string') throw new UsageError('explain needs --record FILE')
  if (typeof values.to !== 'string') throw new UsageError('explain needs --to JURISDICTION')
  const record = readJsonFile(values.record, 'the record') as Record<string, unknown>
  const linkedRecords = typeof values.linked === 'string' ? readJsonFile(values.linked, 'the linked records') : []
  if (!Array.isArray(linkedRecords)) throw new UsageError(`${String(values.linked)} must contain a JSON list of records`)
  const linked = new Map<string, unknown>(linkedRecords.map(item => [String((item as { id?: unknown })?.id), item]))
  const provenance = record?.provenance as { jurisdiction?: unknown } | undefined
  const from = typeof values.from === 'string' ? values.from : provenance?.jurisdiction
  if (typeof from !== 'string') throw new UsageError('explain needs --from JURISDICTION, because the record names no originating jurisdiction')

  const module = loadPolicyModule(policies, from)
  const decision = evaluateOutbound(module, record, { self: { jurisdiction: from.toUpperCase() }, recipient: { jurisdiction: values.to.toUpperCase() }, now: now ?? new Date(), linked })
  output.log(decision.explanation)
  return 0
}

function readJsonFile (file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new UsageError(`cannot read ${what} in ${file}: ${(error as Error).message}`)
  }
}

function indent (text: string): string {
  return text.split('\n').map(line => `  ${line}`).join('\n')
}

async function generateOfficerKey (values: Values, output: PolicyOutput): Promise<number> {
  if (typeof values.out !== 'string' || typeof values.name !== 'string') throw new UsageError('keygen needs --out FILE and --name "NAME"')
  if (existsSync(values.out)) throw new UsageError(`${values.out} already exists; a key file is never overwritten`)
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const privateJwk = { ...(await exportJWK(privateKey)), name: values.name }
  const publicJwk = { ...(await exportJWK(publicKey)), name: values.name }
  writeFileSync(values.out, JSON.stringify(privateJwk, null, 2) + '\n', { mode: 0o600 })
  const publicFile = values.out.replace(/(\.jwk)?$/, '.pub.jwk')
  writeFileSync(publicFile, JSON.stringify(publicJwk, null, 2) + '\n')
  output.log(`private key: ${values.out} (mode 600; keep it offline)\npublic key: ${publicFile} (give it to each node: nfp init --trust-key ${publicFile}, or node.json policyTrust.keys)`)
  return 0
}

async function signModules (policies: string, named: readonly string[], values: Values, output: PolicyOutput): Promise<number> {
  if (typeof values.key !== 'string') throw new UsageError('sign needs --key FILE (a private key from nfp policy keygen)')
  if (named.length === 0) throw new UsageError('sign needs the jurisdictions of the modules to sign, e.g. nfp policy sign --key officer.jwk SE')
  let officer: JWK & { name?: string }
  try {
    officer = JSON.parse(readFileSync(values.key, 'utf8')) as JWK & { name?: string }
  } catch (error) {
    throw new UsageError(`cannot read key ${values.key}: ${(error as Error).message}`)
  }
  if (typeof officer.d !== 'string') throw new UsageError(`${values.key} holds no private key`)
  for (const jurisdiction of named) {
    // A module is signed only once it loads and passes its own tests.
    const module = loadPolicyModule(policies, jurisdiction)
    const report = runPolicyTests(policies, jurisdiction)
    if (report.cases.some(outcome => !outcome.passed)) {
      output.error(`${module.jurisdiction}: not signed, because some of its test cases fail; run nfp policy test ${module.jurisdiction}`)
      return 1
    }
    const signed = await signModuleFile(module.file, { privateJwk: officer, ...(officer.name === undefined ? {} : { name: officer.name }) })
    output.log(`${module.jurisdiction} ${module.version}: signed with key ${signed.kid}, signature in ${signed.signatureFile}`)
  }
  return 0
}
