import { IdentifierChecksumError, IdentifierInvalidError } from './errors.ts'

/**
 * Values of letters for the North American VIN check digit; I, O and Q never occur in a VIN.
 * The RFC-style vector 1HGCM82633A004352 (a published example VIN) checks the table.
 */
const TRANSLITERATION: Readonly<Record<string, number>> = {
  A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9,
  S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9
}

const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]

/**
 * Normalises a vehicle identification number (ISO 3779): upper case, without spaces and
 * separators, with the letters I, O and Q (which ISO 3779 excludes) read as 1, 0 and 0. The
 * check digit in position 9 is verified for North American VINs (first character 1 to 5),
 * where it is mandatory; elsewhere ISO 3779 does not require one.
 *
 * @throws IdentifierInvalidError when the result is not 17 characters of A-Z and 0-9, and
 *   IdentifierChecksumError when a mandatory check digit is wrong.
 */
export function normaliseVin (vin: string): string {
  const folded = vin.normalize('NFKC').toUpperCase().replace(/[\s\-./]+/g, '').replace(/I/g, '1').replace(/[OQ]/g, '0')
  if (!/^[A-HJ-NPR-Z0-9]{17}$/.test(folded)) {
    throw new IdentifierInvalidError(`the VIN in \`vin\` must be 17 letters and digits after removing spaces and separators (ISO 3779); VINs of vehicles built before 1981 are not supported`, { field: 'vin' })
  }
  if (/^[1-5]/.test(folded)) {
    const sum = [...folded].reduce((total, char, i) => total + (TRANSLITERATION[char] ?? Number(char)) * WEIGHTS[i]!, 0)
    const remainder = sum % 11
    const expected = remainder === 10 ? 'X' : String(remainder)
    if (folded[8] !== expected) {
      throw new IdentifierChecksumError(`the VIN in \`vin\` fails the check digit in position 9, which North American VINs must carry; check it for a mistyped character`, { field: 'vin' })
    }
  }
  return folded
}
