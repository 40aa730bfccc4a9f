import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'

/** A subcommand: its options, one-paragraph help and the function that runs it. */
export interface Command {
  name: string
  summary: string
  usage: string
  options: NonNullable<ParseArgsConfig['options']>
  help: Record<string, string>
  run: (values: Record<string, string | boolean | string[] | undefined>) => Promise<number>
}

export class UsageError extends Error {}

/** Parses a subcommand's arguments strictly, so a misspelt option is an error and not ignored. */
export function parseCommandArgs (command: Command, argv: string[]): Record<string, string | boolean | string[] | undefined> | 'help' {
  try {
    const { values } = parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false })
    if (values.help === true) return 'help'
    return values as Record<string, string | boolean | string[] | undefined>
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nRun \`nfp ${command.name} --help\` for the options.`)
  }
}

/** Formats a subcommand's help text. */
export function formatHelp (command: Command): string {
  const lines = [`nfp ${command.name}: ${command.summary}`, '', `Usage: ${command.usage}`, '', 'Options:']
  for (const [name, option] of Object.entries(command.options)) {
    const flag = option.type === 'string' ? `--${name} <value>` : `--${name}`
    lines.push(`  ${flag.padEnd(30)} ${command.help[name] ?? ''}`)
  }
  lines.push(`  ${'--help, -h'.padEnd(30)} Show this help.`)
  return lines.join('\n')
}

/** Returns a required string option or throws a UsageError naming it. */
export function requireString (values: Record<string, string | boolean | string[] | undefined>, name: string): string {
  const value = values[name]
  if (typeof value !== 'string' || value === '') throw new UsageError(`option --${name} is required`)
  return value
}

/** Parses an integer option within a range, or returns the default. */
export function integerOption (values: Record<string, string | boolean | string[] | undefined>, name: string, fallback: number, min: number, max: number): number {
  const value = values[name]
  if (value === undefined) return fallback
  const n = Number(value)
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value) || n < min || n > max) {
    throw new UsageError(`option --${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return n
}
