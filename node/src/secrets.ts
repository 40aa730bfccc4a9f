import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { errors } from '@ceasefire/protocol'

/**
 * Encryption of the node's key files at rest: scrypt derives a 256-bit key from the
 * passphrase and a per-file salt, and AES-256-GCM encrypts and authenticates the file. A wrong
 * passphrase therefore fails the GCM tag check instead of yielding garbage.
 */
interface Envelope {
  nfpEncrypted: 1
  kdf: 'scrypt'
  N: number
  r: number
  p: number
  salt: string
  iv: string
  tag: string
  data: string
}

// scrypt cost 2^15 with r = 8 takes about 100 ms and 32 MiB per file (OWASP's minimum
// recommendation for scrypt is N = 2^17 with r = 8 and p = 1; raise N for production keys).
// TODO: measure on the target hardware and raise N; files store their own N, so old files keep opening.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 }
const MAX_MEMORY = 256 * 1024 * 1024

/** Encrypts a secret with a passphrase and returns the file content to write. */
export function encryptSecret (plain: Uint8Array, passphrase: string): Buffer {
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const key = scryptSync(passphrase, salt, 32, { ...SCRYPT, maxmem: MAX_MEMORY })
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const data = Buffer.concat([cipher.update(plain), cipher.final()])
  const envelope: Envelope = {
    nfpEncrypted: 1,
    kdf: 'scrypt',
    ...SCRYPT,
    salt: salt.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64')
  }
  return Buffer.from(JSON.stringify(envelope) + '\n')
}

/** Returns true when file content is an encrypted envelope written by `encryptSecret`. */
export function isEncrypted (content: Uint8Array): boolean {
  const text = Buffer.from(content.subarray(0, 32)).toString('utf8')
  return text.startsWith('{"nfpEncrypted":1')
}

/**
 * Decrypts file content written by `encryptSecret`. `path` is only named in errors, which never
 * include the content or the passphrase.
 *
 * @throws SecretsLockedError when no passphrase is given or it does not open the file.
 */
export function decryptSecret (content: Uint8Array, passphrase: string | undefined, path: string): Buffer {
  if (passphrase === undefined) {
    throw new errors.SecretsLockedError(`key file \`${path}\` is encrypted; start the node with NFP_PASSPHRASE set or with --passphrase-file`)
  }
  let envelope: Envelope
  try {
    envelope = JSON.parse(Buffer.from(content).toString('utf8')) as Envelope
  } catch (err) {
    throw new errors.ConfigInvalidError(`encrypted key file \`${path}\` is damaged and cannot be read; restore it from a backup`, { cause: err })
  }
  try {
    const key = scryptSync(passphrase, Buffer.from(envelope.salt, 'base64'), 32, { N: envelope.N, r: envelope.r, p: envelope.p, maxmem: MAX_MEMORY })
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'))
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()])
  } catch {
    // The cause is left out on purpose: it adds nothing, and errors from crypto may quote input.
    throw new errors.SecretsLockedError(`key file \`${path}\` cannot be decrypted: the passphrase or passphrase file is wrong, or the file was altered`)
  }
}

/**
 * Reads the passphrase from a file (which must be readable by its owner only) or, without a
 * file, from the NFP_PASSPHRASE environment variable, which it then removes from `env`.
 * Returns undefined when neither is set.
 */
export function readPassphrase (file: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (file !== undefined) {
    if (!existsSync(file)) throw new errors.ConfigInvalidError(`passphrase file \`${file}\` is missing`)
    const mode = statSync(file).mode & 0o777
    if ((mode & 0o077) !== 0) throw new errors.ConfigInvalidError(`passphrase file \`${file}\` has mode ${mode.toString(8)}; it must be readable by its owner only (chmod 600)`)
    const text = readFileSync(file, 'utf8').replace(/\r?\n$/, '')
    if (text === '') throw new errors.ConfigInvalidError(`passphrase file \`${file}\` is empty`)
    return text
  }
  const value = env.NFP_PASSPHRASE
  // Removed once read, so processes this one starts do not inherit the passphrase.
  delete env.NFP_PASSPHRASE
  return value === undefined || value === '' ? undefined : value
}
