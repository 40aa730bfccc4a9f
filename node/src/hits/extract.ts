import { normaliseIdentifier } from '@ceasefire/protocol'
import type { IdentifierInput, NormalisedIdentifier } from '@ceasefire/protocol'

/**
 * Lists the normalised identifiers of a record. These are a Firearm's serial number with its
 * make, a CryptoWallet's address with its chain, an OnlineIdentity's handle with its platform,
 * a Vehicle's VIN and its plate with its registration country, and a Person's key (family and
 * given name with date of birth). A value that fails normalisation, such as a wallet address
 * with a bad checksum, is left out and counted in `skipped`, so one bad field never stops an
 * ingest.
 */
export function identifiersOf (record: Readonly<Record<string, unknown>>): { identifiers: NormalisedIdentifier[], skipped: number } {
  const inputs: IdentifierInput[] = []
  const text = (name: string): string | undefined => typeof record[name] === 'string' ? record[name] : undefined
  switch (record.type) {
    case 'Firearm': {
      const serialNumber = text('serialNumber')
      const make = text('make')
      if (serialNumber !== undefined && make !== undefined) inputs.push({ type: 'firearm-serial', serialNumber, make })
      break
    }
    case 'CryptoWallet': {
      const address = text('address')
      const chain = text('chain')
      if (address !== undefined && chain !== undefined) inputs.push({ type: 'wallet-address', address, chain })
      break
    }
    case 'OnlineIdentity': {
      const handle = text('handle')
      const platform = text('platform')
      if (handle !== undefined && platform !== undefined) inputs.push({ type: 'online-handle', handle, platform })
      break
    }
    case 'Vehicle': {
      const vin = text('vin')
      const plate = text('registrationPlate')
      const country = text('registrationCountry')
      if (vin !== undefined) inputs.push({ type: 'vin', vin })
      if (plate !== undefined && country !== undefined) inputs.push({ type: 'plate', plate, country })
      break
    }
    case 'Person': {
      const familyName = text('familyName')
      const givenNames = text('givenName')
      const birthDate = text('dateOfBirth')
      if (familyName !== undefined && birthDate !== undefined) {
        inputs.push({ type: 'person', familyName, birthDate, ...(givenNames === undefined ? {} : { givenNames }) })
      }
      break
    }
  }

  const identifiers: NormalisedIdentifier[] = []
  let skipped = 0
  for (const input of inputs) {
    try {
      identifiers.push(normaliseIdentifier(input))
    } catch {
      skipped++
    }
  }
  return { identifiers, skipped }
}
