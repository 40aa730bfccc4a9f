import { loadConfig } from '../config.ts'
import { startNode } from '../runtime.ts'
import { readPassphrase } from '../secrets.ts'
import type { Command } from './args.ts'
import { requireString } from './args.ts'

export const startCommand: Command = {
  name: 'start',
  summary: 'run one node from its configuration file until interrupted',
  usage: 'nfp start --config ./se/node.json',
  options: { config: { type: 'string' }, 'passphrase-file': { type: 'string' }, 'stop-on-stdin-close': { type: 'boolean' } },
  help: {
    config: 'Path of the node configuration file written by `nfp init` (required).',
    'passphrase-file': 'File holding the passphrase of encrypted key files (mode 600); without it, NFP_PASSPHRASE is read.',
    'stop-on-stdin-close': 'Stop when standard input closes; `nfp demo` sets it so its nodes stop when it dies.'
  },
  run: async (values) => {
    const config = loadConfig(requireString(values, 'config'))
    const passphrase = readPassphrase(typeof values['passphrase-file'] === 'string' ? values['passphrase-file'] : undefined)
    const node = await startNode(config, undefined, passphrase === undefined ? {} : { passphrase })
    await new Promise<void>(resolve => {
      const stop = (): void => { resolve() }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      if (values['stop-on-stdin-close'] === true) {
        process.stdin.once('close', stop)
        process.stdin.once('end', stop)
        process.stdin.resume()
      }
    })
    await node.stop()
    return 0
  }
}
