import { cartridgeOf } from './calibre.ts'
import { normaliseMake, normaliseModel } from './make-model.ts'
import { foldLookAlikes, handleSkeleton, normalisePlate, normaliseSerial, normaliseWalletAddress, transliterateName } from './normalise.ts'
import { LINK_KINDS } from './pair-features.ts'

/**
 * Returns the blocking keys of a record: short strings that two records describing the same
 * thing are likely to share. Linking compares a new record only with stored records that
 * share at least one key, so it never scans the whole store. Types that are not linkable get
 * no keys.
 *
 * The keys trade recall for speed on purpose. A firearm is found by its serial number with
 * look-alikes folded, by the last four characters of that serial, or by make with model or
 * calibre. A handle is found by its skeleton and the skeleton's first four letters. A person
 * is found by the first three letters of the transliterated family name, alone and with the
 * birth year.
 */
export function blockingKeys (record: Readonly<Record<string, unknown>>): string[] {
  const type = record.type
  if (typeof type !== 'string' || !(type in LINK_KINDS)) return []
  const keys = new Set<string>()
  const add = (...parts: Array<string | undefined>): void => {
    if (parts.every(part => part !== undefined && part !== '')) keys.add(`${type}|${parts.join('|')}`)
  }
  const text = (field: string): string | undefined => typeof record[field] === 'string' ? record[field] : undefined

  switch (type) {
    case 'Firearm': {
      const serial = text('serialNumber')
      if (serial !== undefined) {
        const folded = foldLookAlikes(normaliseSerial(serial))
        add('serial', folded)
        if (folded.length >= 6) add('serial-tail', folded.slice(-4))
      }
      const make = text('make')
      const model = text('model')
      const calibre = text('calibre')
      if (make !== undefined && model !== undefined) add('make-model', normaliseMake(make), normaliseModel(model, make))
      if (make !== undefined && calibre !== undefined) add('make-calibre', normaliseMake(make), cartridgeOf(calibre) ?? calibre.toLowerCase())
      break
    }
    case 'OnlineIdentity': {
      const skeleton = handleSkeleton(text('handle') ?? '')
      add('skeleton', skeleton)
      if (skeleton.length >= 4) add('prefix', skeleton.slice(0, 4))
      break
    }
    case 'CryptoWallet': {
      const chain = text('chain')
      const address = text('address')
      if (chain !== undefined && address !== undefined) add('address', chain, normaliseWalletAddress(chain, address))
      break
    }
    case 'Vehicle': {
      add('vin', text('vin')?.toUpperCase())
      const plate = text('registrationPlate')
      if (plate !== undefined) add('plate', foldLookAlikes(normalisePlate(plate)))
      break
    }
    case 'Person': {
      const family = transliterateName(text('familyName') ?? '').replace(/\s+/g, '')
      const year = text('dateOfBirth')?.slice(0, 4)
      add('family-prefix', family.slice(0, 3))
      add('family-year', family.slice(0, 3), year)
      for (const alias of Array.isArray(record.aliases) ? record.aliases : []) {
        if (typeof alias !== 'string') continue
        const last = transliterateName(alias).split(' ').pop() ?? ''
        add('family-prefix', last.slice(0, 3))
      }
      break
    }
  }
  return [...keys]
}
