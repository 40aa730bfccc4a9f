import t from 'tap'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { nfp } from '../helpers/nfp.ts'

const CONFORMANCE = fileURLToPath(new URL('../../../conformance/src/cli.ts', import.meta.url))

// Every command and subcommand that README.md and the usage texts name. A new subcommand
// belongs in this table, so that its --help is checked too.
const NFP_COMMANDS = [
  [],
  ['init'], ['start'], ['import'], ['demo'],
  ['policy'], ['policy', 'test'], ['policy', 'lint'], ['policy', 'diff'], ['policy', 'compat'],
  ['policy', 'explain'], ['policy', 'keygen'], ['policy', 'sign'],
  ['audit'], ['audit', 'verify'],
  ['federation'], ['federation', 'keygen'], ['federation', 'create'], ['federation', 'add-member'],
  ['federation', 'remove-member'], ['federation', 'rotate-key'], ['federation', 'revoke-key'],
  ['federation', 'sign'], ['federation', 'credential'],
  ['request'], ['request', 'send'], ['request', 'list'], ['request', 'show'], ['request', 'clarify'],
  ['case'], ['case', 'list'], ['case', 'show'], ['case', 'approve'], ['case', 'refuse'],
  ['case', 'answer'], ['case', 'clarify'],
  ['hit'], ['hit', 'query'], ['hit', 'list'], ['hit', 'request'],
  ['links'], ['links', 'list'], ['links', 'confirm'], ['links', 'reject']
]

async function conformance (...args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONFORMANCE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.once('error', reject)
    child.once('exit', code => { resolve({ code, stdout, stderr }) })
  })
}

t.test('nfp help on every subcommand', async t => {
  // -h is the same option as --help, so it is checked once per command to keep the test short.
  const calls = NFP_COMMANDS.flatMap(command => (command.length < 2 ? ['--help', '-h'] : ['--help']).map(flag => [...command, flag]))
  // Four processes at a time, because each nfp process takes about a second to start.
  const results: Array<Awaited<ReturnType<typeof nfp>>> = []
  for (let i = 0; i < calls.length; i += 4) {
    results.push(...await Promise.all(calls.slice(i, i + 4).map(async args => await nfp(...args))))
  }

  for (const [i, args] of calls.entries()) {
    const label = ['nfp', ...args].join(' ')
    const { code, stdout, stderr } = results[i]!
    t.equal(code, 0, `${label} exits 0 (stderr: ${stderr})`)
    t.match(stdout, /Usage:/, `${label} prints usage`)
    t.equal(stderr, '', `${label} prints no error`)
  }
})

t.test('nfp-conformance help', async t => {
  for (const command of [[], ['keygen']]) {
    for (const flag of ['--help', '-h']) {
      const label = ['nfp-conformance', ...command, flag].join(' ')
      const { code, stdout, stderr } = await conformance(...command, flag)
      t.equal(code, 0, `${label} exits 0 (stderr: ${stderr})`)
      t.match(stdout, /Usage:/, `${label} prints usage`)
      t.match(stdout, /keygen options:/, `${label} describes keygen`)
    }
  }
})
