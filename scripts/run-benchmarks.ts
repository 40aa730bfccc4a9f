/**
 * Runs every benchmark script in bench/ (each `bench/*.ts`, in name order) with `--write`, so
 * each one replaces its own section of docs/benchmarks.md. Scripts run one after another,
 * because they measure the machine and would disturb each other.
 *
 *   npm run bench                          every script with its default sizes
 *   npm run bench -- --only replication    only the named scripts (repeat --only for more)
 *
 * Exits with status 1 when any script fails; the others still run.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const BENCH_DIR = fileURLToPath(new URL('../bench/', import.meta.url))

async function run (file: string): Promise<number> {
  const child = spawn(process.execPath, [BENCH_DIR + file, '--write'], { stdio: 'inherit' })
  return await new Promise(resolve => child.once('exit', (code, signal) => { resolve(code ?? (signal === null ? 1 : 128)) }))
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string', multiple: true } } })
  const available = readdirSync(BENCH_DIR).filter(name => name.endsWith('.ts')).sort()
  const only = values.only ?? []
  const unknown = only.filter(name => !available.includes(`${name}.ts`))
  if (unknown.length > 0) {
    console.error(`no benchmark named ${unknown.join(', ')}; bench/ has ${available.map(name => name.slice(0, -3)).join(', ')}`)
    process.exit(2)
  }
  const selected = only.length === 0 ? available : available.filter(name => only.includes(name.slice(0, -3)))

  const outcomes: Array<{ file: string, status: number, seconds: number }> = []
  for (const file of selected) {
    console.log(`\n=== bench/${file}`)
    const started = performance.now()
    const status = await run(file)
    outcomes.push({ file, status, seconds: (performance.now() - started) / 1000 })
  }

  console.log('\n=== summary')
  for (const { file, status, seconds } of outcomes) console.log(`${status === 0 ? 'ok    ' : 'FAILED'} bench/${file} (${seconds.toFixed(0)} s${status === 0 ? '' : `, exit status ${status}`})`)
  if (outcomes.some(o => o.status !== 0)) process.exit(1)
}

await main()
