// Entry point of the nfp command. The compile cache must be on before the command modules
// load, so they are imported only after it.
import { enableNfpCompileCache } from './compile-cache.ts'

enableNfpCompileCache()
await import('./run.ts')
