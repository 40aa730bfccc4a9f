import { sha256 } from '@noble/hashes/sha2.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { IdentifierChecksumError, IdentifierInvalidError } from './errors.ts'

/** Chains whose address checksums the protocol checks; any other chain is rejected. */
export const WALLET_CHAINS = ['bitcoin', 'ethereum'] as const

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const BECH32_ALPHABET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const BECH32_CONST = 1
const BECH32M_CONST = 0x2bc830a3

/**
 * Checks a wallet address against its chain's checksum and returns its normalised form:
 * Bitcoin base58check as given (base58 is case-sensitive), Bitcoin bech32 and bech32m in
 * lower case, Ethereum in lower case with its `0x` prefix.
 *
 * @throws IdentifierChecksumError when the checksum fails, and IdentifierInvalidError when
 *   the address has the wrong form for its chain.
 */
export function normaliseWalletAddress (address: string, chain: string): string {
  if (chain === 'bitcoin') return normaliseBitcoin(address)
  if (chain === 'ethereum') return normaliseEthereum(address)
  throw new IdentifierInvalidError(`wallet chain ${JSON.stringify(chain)} is not supported for hit queries; use one of ${WALLET_CHAINS.join(', ')}`, { field: 'chain' })
}

function normaliseBitcoin (address: string): string {
  if (/^bc1/i.test(address)) return checkSegwit(address)
  const payload = decodeBase58(address)
  if (payload.length !== 25) {
    throw new IdentifierInvalidError(`the Bitcoin address in \`address\` decodes to ${payload.length} bytes; a base58check address has 25`, { field: 'address' })
  }
  const version = payload[0]
  if (version !== 0x00 && version !== 0x05) {
    throw new IdentifierInvalidError(`the Bitcoin address in \`address\` has version byte ${version}; only mainnet P2PKH (0) and P2SH (5) are accepted`, { field: 'address' })
  }
  const digest = sha256(sha256(payload.subarray(0, 21)))
  if (!digest.subarray(0, 4).every((byte, i) => byte === payload[21 + i])) {
    throw new IdentifierChecksumError(`the Bitcoin address in \`address\` fails its base58check checksum; check it for a mistyped character`, { field: 'address' })
  }
  return address
}

function decodeBase58 (text: string): Uint8Array {
  let value = 0n
  for (const char of text) {
    const digit = BASE58_ALPHABET.indexOf(char)
    if (digit < 0) throw new IdentifierInvalidError('the Bitcoin address in `address` contains a character outside the base58 alphabet (0, O, I and l are excluded)', { field: 'address' })
    value = value * 58n + BigInt(digit)
  }
  const bytes: number[] = []
  while (value > 0n) { bytes.unshift(Number(value & 0xffn)); value >>= 8n }
  // Each leading '1' stands for one leading zero byte.
  for (const char of text) {
    if (char !== '1') break
    bytes.unshift(0)
  }
  return Uint8Array.from(bytes)
}

/** Checks a segwit address (BIP 173 bech32 for version 0, BIP 350 bech32m for versions 1 to 16). */
function checkSegwit (address: string): string {
  if (address !== address.toLowerCase() && address !== address.toUpperCase()) {
    throw new IdentifierInvalidError(`the Bitcoin address in \`address\` mixes upper and lower case, which bech32 forbids`, { field: 'address' })
  }
  const lower = address.toLowerCase()
  const separator = lower.lastIndexOf('1')
  if (lower.slice(0, separator) !== 'bc') {
    throw new IdentifierInvalidError(`the Bitcoin address in \`address\` does not start with the mainnet prefix bc1`, { field: 'address' })
  }
  const data: number[] = []
  for (const char of lower.slice(separator + 1)) {
    const value = BECH32_ALPHABET.indexOf(char)
    if (value < 0) throw new IdentifierInvalidError('the Bitcoin address in `address` contains a character outside the bech32 alphabet', { field: 'address' })
    data.push(value)
  }
  if (lower.length > 90 || data.length < 7) {
    throw new IdentifierInvalidError(`the Bitcoin address in \`address\` has the wrong length for a bech32 address`, { field: 'address' })
  }
  const witnessVersion = data[0]!
  const expected = witnessVersion === 0 ? BECH32_CONST : BECH32M_CONST
  if (bech32Polymod([...expandHrp(lower.slice(0, separator)), ...data]) !== expected) {
    throw new IdentifierChecksumError(`the Bitcoin address in \`address\` fails its ${witnessVersion === 0 ? 'bech32' : 'bech32m'} checksum; check it for a mistyped character`, { field: 'address' })
  }
  const program = convertBits(data.slice(1, -6))
  const validLength = witnessVersion === 0 ? program.length === 20 || program.length === 32 : program.length >= 2 && program.length <= 40
  if (witnessVersion > 16 || !validLength) {
    throw new IdentifierInvalidError(`the Bitcoin address in \`address\` has an invalid witness program`, { field: 'address' })
  }
  return lower
}

function expandHrp (hrp: string): number[] {
  const high = [...hrp].map(c => c.charCodeAt(0) >> 5)
  const low = [...hrp].map(c => c.charCodeAt(0) & 31)
  return [...high, 0, ...low]
}

function bech32Polymod (values: number[]): number {
  const generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
  let checksum = 1
  for (const value of values) {
    const top = checksum >>> 25
    checksum = ((checksum & 0x1ffffff) << 5) ^ value
    for (let i = 0; i < 5; i++) if (((top >>> i) & 1) === 1) checksum ^= generator[i]!
  }
  return checksum >>> 0
}

/** Regroups 5-bit values into bytes; padding of more than 4 bits, or non-zero padding, is invalid. */
function convertBits (values: number[]): number[] {
  let accumulator = 0
  let bits = 0
  const bytes: number[] = []
  for (const value of values) {
    accumulator = (accumulator << 5) | value
    bits += 5
    if (bits >= 8) {
      bits -= 8
      bytes.push((accumulator >> bits) & 0xff)
    }
  }
  if (bits >= 5 || ((accumulator << (8 - bits)) & 0xff) !== 0) return []
  return bytes
}

function normaliseEthereum (address: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new IdentifierInvalidError(`the Ethereum address in \`address\` must be 0x followed by 40 hexadecimal digits`, { field: 'address' })
  }
  const digits = address.slice(2)
  const lower = digits.toLowerCase()
  // EIP-55: an address in one case carries no checksum; a mixed-case one must match it.
  if (digits !== lower && digits !== digits.toUpperCase()) {
    const hash = keccak_256(new TextEncoder().encode(lower))
    for (let i = 0; i < 40; i++) {
      const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0x0f
      const char = digits[i]!
      if (/[a-f]/i.test(char) && (nibble >= 8) !== (char === char.toUpperCase())) {
        throw new IdentifierChecksumError(`the Ethereum address in \`address\` fails its EIP-55 mixed-case checksum at digit ${i + 1}; check it for a mistyped character`, { field: 'address' })
      }
    }
  }
  return '0x' + lower
}
