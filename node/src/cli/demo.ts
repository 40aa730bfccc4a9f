import { startFederation } from '../demo/federation.ts'
import { runScenario } from '../demo/scenario.ts'
import type { Command } from './args.ts'

export const demoCommand: Command = {
  name: 'demo',
  summary: 'start a local federation of three nodes (DE, NL, SE), import the real listings and run the scenario',
  usage: 'nfp demo [--dir ./demo-data] [--fresh] [--exit]',
  options: {
    dir: { type: 'string' },
    fresh: { type: 'boolean' },
    exit: { type: 'boolean' }
  },
  help: {
    dir: 'Folder for the three node folders and the federation file (default ./demo-data).',
    fresh: 'Delete the folder first, so the nodes start with new keys and empty databases.',
    exit: 'Stop the nodes after the scenario and exit with status 1 if any step failed (default: keep them running until Ctrl-C).'
  },
  run: async (values) => {
    const dir = typeof values.dir === 'string' ? values.dir : 'demo-data'
    console.log(`Starting a local federation of DE, NL and SE in ${dir} ...`)
    const federation = await startFederation(dir, { fresh: values.fresh === true })
    let failures: string[]
    try {
      for (const node of federation.nodes.values()) {
        const health = await node.api.request<{ policy: { jurisdiction: string, version: string, hash: string } }>('GET', '/health')
        console.log(`  ${node.jurisdiction}: API ${node.api.baseUrl} (docs at ${node.api.baseUrl}/docs), log ${node.logPath}`)
        console.log(`      policy module ${health.policy.jurisdiction} ${health.policy.version}, ${health.policy.hash.slice(0, 19)}…, signed by the demo legal officer`)
      }
      const report = await runScenario(federation.nodes, line => { console.log(line) })
      failures = report.failures
      console.log('')
      console.log(failures.length === 0
        ? `Scenario complete: all ${report.steps} checks passed.`
        : `Scenario complete: ${failures.length} of ${report.steps} checks FAILED:\n  - ${failures.join('\n  - ')}`)
    } catch (err) {
      await federation.stop()
      throw err
    }

    if (values.exit === true) {
      await federation.stop()
      return failures.length === 0 ? 0 : 1
    }
    console.log('')
    console.log('The nodes keep running; try their APIs with the tokens in <node>/data/keys/api-token. Press Ctrl-C to stop.')
    await new Promise<void>(resolve => {
      process.once('SIGINT', () => { resolve() })
      process.once('SIGTERM', () => { resolve() })
    })
    console.log('Stopping the nodes ...')
    await federation.stop()
    return failures.length === 0 ? 0 : 1
  }
}
