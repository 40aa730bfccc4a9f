import { enableCompileCache } from 'node:module'
import { lstatSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Turns on Node's on-disk compile cache (`module.enableCompileCache`, Node 22.8 and later). It
 * keeps the type-stripped and compiled form of every module, so a later start skips that work,
 * which took about 0.3 s of an empty node's start on a 2-core machine. The cache goes to NODE_COMPILE_CACHE when it is set, else
 * to a folder of this user under the temporary folder, never into the repository. A folder
 * that another user owns or can write to is not used, because Node would load compiled code
 * from it. NODE_DISABLE_COMPILE_CACHE=1 turns the cache off. Any failure leaves it off, which
 * only costs time.
 */
export function enableNfpCompileCache (): void {
  if (process.env.NODE_COMPILE_CACHE !== undefined && process.env.NODE_COMPILE_CACHE !== '') {
    enableCompileCache()
    return
  }
  const uid = process.getuid?.()
  if (uid === undefined) return
  const dir = join(tmpdir(), `nfp-compile-cache-${uid}`)
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const stat = lstatSync(dir)
    if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o022) !== 0) return
    enableCompileCache(dir)
  } catch {
    // An unwritable temporary folder only means every start compiles its modules again.
  }
}
