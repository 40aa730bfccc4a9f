#!/usr/bin/env node
// The suite runs its TypeScript sources directly, which needs Node.js type stripping (on by
// default from Node 22.18 and 23.6). Fail with a clear message on older runtimes.
if (!process.features.typescript) {
  console.error(`nfp-conformance needs Node.js 22.18 or later with type stripping; this is ${process.version}. Run it through npm (npx nfp-conformance ...), which uses the Node 24 the project installs.`)
  process.exit(2)
}
await import('../src/cli.ts')
