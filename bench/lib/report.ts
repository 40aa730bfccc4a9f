/**
 * Shared helpers of the benchmark scripts: the machine description, number formats, and
 * writing one script's section of docs/benchmarks.md between its markers.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, platform, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

const DOC = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url))

/** Describes the machine for the line every section carries, so figures can be compared with their hardware. */
export function describeMachine (): string {
  let cpu = 'unknown CPU'
  if (existsSync('/proc/cpuinfo')) {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu
  }
  return `${cpu}, ${availableParallelism()} logical CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}, Node.js ${process.version}`
}

export function today (): string {
  return new Date().toISOString().slice(0, 10)
}

/** Formats a count with thousands separators. */
export function count (value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

/** Formats milliseconds with two significant decimals below 10 ms. */
export function ms (value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(0)
}

export function mib (bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0)
}

/** Returns the value at quantile `q` (0 to 1) of the samples, by the nearest-rank method. */
export function quantile (samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

/**
 * Replaces the section of docs/benchmarks.md between `<!-- name:start -->` and
 * `<!-- name:end -->` with `lines`, or appends it when the markers are missing.
 */
export function writeSection (name: string, lines: string[]): void {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const section = [start, ...lines, end].join('\n')
  const current = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '# Benchmarks\n'
  const from = current.indexOf(start)
  const to = current.indexOf(end)
  const next = from >= 0 && to > from
    ? current.slice(0, from) + section + current.slice(to + end.length)
    : `${current.trimEnd()}\n\n${section}\n`
  writeFileSync(DOC, next)
  console.log(`\nwrote ${DOC}`)
}

/** Prints a section without its markers. */
export function printSection (lines: string[]): void {
  console.log(lines.join('\n'))
}
