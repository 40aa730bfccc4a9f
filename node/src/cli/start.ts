import { loadConfig } from '../config.ts'
import { startNode } from '../runtime.ts'
import type { Command } from './args.ts'
import { requireString } from './args.ts'

export const startCommand: Command = {
  name: 'start',
  summary: 'run one node from its configuration file until interrupted',
  usage: 'nfp start --config ./se/node.json',
  options: { config: { type: 'string' } },
  help: { config: 'Path of the node configuration file written by `nfp init` (required).' },
  run: async (values) => {
    const config = loadConfig(requireString(values, 'config'))
    const node = await startNode(config)
    await new Promise<void>(resolve => {
      const stop = (): void => { resolve() }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
    await node.stop()
    return 0
  }
}
