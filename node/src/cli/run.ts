import { NfpError } from '@ceasefire/protocol'
import type { Command } from './args.ts'
import { UsageError, formatHelp, parseCommandArgs } from './args.ts'
import { demoCommand } from './demo.ts'
import { federationCommand } from './federation.ts'
import { importCommand } from './import.ts'
import { initCommand } from './init.ts'
import { linksCommand } from './links.ts'
import { auditCommand } from './audit.ts'
import { hitCommand } from './hit.ts'
import { caseCommand } from './case.ts'
import { policyCommand } from './policy.ts'
import { requestCommand } from './request.ts'
import { startCommand } from './start.ts'

const commands: Command[] = [initCommand, startCommand, importCommand, demoCommand, policyCommand, auditCommand, federationCommand, requestCommand, caseCommand, hitCommand, linksCommand]

function usage (): string {
  return [
    'nfp: Ceasefire National Focal Point node',
    '',
    'Usage: nfp <command> [options]',
    '',
    'Commands:',
    ...commands.map(c => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Run `nfp <command> --help` for the options of a command.'
  ].join('\n')
}

async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return name === undefined ? 2 : 0
  }
  const command = commands.find(c => c.name === name)
  if (command === undefined) {
    console.error(`unknown command \`${name}\`\n\n${usage()}`)
    return 2
  }

  // nfp policy has subcommands with positional arguments and parses its own.
  if (command === policyCommand) return await policyCommand.main(rest)
  if (command === auditCommand) return await auditCommand.main(rest)
  if (command === federationCommand) return await federationCommand.main(rest)
  if (command === hitCommand) return await hitCommand.main(rest)
  if (command === requestCommand) return await requestCommand.main(rest)
  if (command === caseCommand) return await caseCommand.main(rest)
  if (command === linksCommand) return await linksCommand.main(rest)

  try {
    const values = parseCommandArgs(command, rest)
    if (values === 'help') {
      console.log(formatHelp(command))
      return 0
    }
    return await command.run(values)
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`nfp ${command.name}: ${err.message}`)
      return 2
    }
    if (err instanceof NfpError) {
      console.error(`nfp ${command.name}: ${err.code}: ${err.message}`)
      return 1
    }
    console.error(`nfp ${command.name}: ${(err as Error).stack ?? String(err)}`)
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
