/**
 * Calibre equivalence for record linking. Different countries and sellers name the same
 * cartridge differently ("9 mm Luger", "9x19", "9 mm Para"); the comparison maps each name to a
 * cartridge and returns whether two names are the same cartridge, an approximate match, or
 * different.
 */

export type CalibreComparison = 'same' | 'approximate' | 'different' | 'unknown'

interface Cartridge {
  id: string
  pattern: RegExp
}

// Patterns run on the lower-cased name without spaces, so "9 x 19 mm" is "9x19mm".
const CARTRIDGES: Cartridge[] = [
  { id: '9x19', pattern: /^9(?:mm)?x19(?:mm)?(?:luger|para(?:bellum)?|nato)?$|^9mm(?:luger|para(?:bellum)?|nato)?$|^9(?:luger|para(?:bellum)?)$/ },
  { id: '9x18', pattern: /^9(?:mm)?x18(?:mm)?(?:mak(?:arov)?)?$|^9mmmak(?:arov)?$/ },
  { id: '9x17', pattern: /^9(?:mm)?x17(?:mm)?$|^9mm(?:kurz|short|browningshort)$|^\.?380(?:acp|auto)?$/ },
  { id: '45acp', pattern: /^\.?45(?:acp|auto)$|^11[.,]43(?:mm)?x23(?:mm)?$|^\.?45$/ },
  { id: '40sw', pattern: /^\.?40(?:s&w|sw|cal)?$|^10(?:mm)?x22(?:mm)?$/ },
  { id: '10mm', pattern: /^10mm(?:auto)?$|^10x25(?:mm)?$/ },
  { id: '22lr', pattern: /^\.?22(?:-?lr|longrifle|lfb)$|^5[.,]6(?:mm)?x15(?:mm)?r?$|^\.?22$/ },
  { id: '223rem', pattern: /^\.?223(?:rem(?:ington)?)?$|^5[.,]56(?:mm)?x45(?:mm)?$/ },
  { id: '556nato', pattern: /^5[.,]56(?:mm)?(?:x45)?(?:mm)?nato$|^5[.,]56(?:mm)?$/ },
  { id: '762x39', pattern: /^7[.,]62(?:mm)?x39(?:mm)?$/ },
  { id: '308win', pattern: /^\.?308(?:win(?:chester)?)?$/ },
  { id: '762nato', pattern: /^7[.,]62(?:mm)?x51(?:mm)?(?:nato)?$/ },
  { id: '762x54r', pattern: /^7[.,]62(?:mm)?x54(?:mm)?r?$/ },
  { id: '545x39', pattern: /^5[.,]45(?:mm)?x39(?:mm)?$/ },
  { id: '25acp', pattern: /^\.?25(?:acp|auto)?$|^6[.,]35(?:mm)?(?:browning)?$/ },
  { id: '32acp', pattern: /^\.?32(?:acp|auto)?$|^7[.,]65(?:mm)?(?:browning)?$/ },
  { id: '38spl', pattern: /^\.?38(?:special|spl|spec)?$/ },
  { id: '357mag', pattern: /^\.?357(?:mag(?:num)?)?$/ },
  { id: '357sig', pattern: /^\.?357sig$/ },
  { id: '44mag', pattern: /^\.?44(?:mag(?:num)?)?$/ },
  { id: '12ga', pattern: /^12(?:ga|gauge|bore|\/70|\/76)?$/ },
  { id: '20ga', pattern: /^20(?:ga|gauge|bore)$/ },
  { id: '410', pattern: /^\.?410(?:bore|ga|gauge)?$/ },
  { id: '177', pattern: /^\.?177(?:cal)?$|^4[.,]5(?:mm)?$/ }
]

/**
 * Cartridges that are close but not the same. 5.56x45 mm NATO and .223 Remington share their
 * outer dimensions, but NATO loads run at a higher pressure and the chambers differ, so a
 * firearm marked for one is not simply marked for the other. .308 Winchester and 7.62x51 mm
 * NATO have the same relation. .38 Special fits a .357 Magnum revolver, but not the reverse.
 */
const APPROXIMATE: ReadonlyArray<[string, string]> = [
  ['223rem', '556nato'],
  ['308win', '762nato'],
  ['38spl', '357mag']
]

/** Returns the cartridge a calibre name denotes, or undefined when the name is not known. */
export function cartridgeOf (calibre: string): string | undefined {
  const key = calibre.toLowerCase().replace(/calibre|caliber|cal\.?$/g, '').replace(/[\s"']+/g, '').replace(/×/g, 'x')
  return CARTRIDGES.find(cartridge => cartridge.pattern.test(key))?.id
}

/** Compares two calibre names; `unknown` when either is missing or not a known cartridge name. */
export function compareCalibres (a: string | undefined, b: string | undefined): CalibreComparison {
  if (a === undefined || b === undefined) return 'unknown'
  const first = cartridgeOf(a)
  const second = cartridgeOf(b)
  if (first === undefined || second === undefined) {
    const same = a.toLowerCase().replace(/\s+/g, '') === b.toLowerCase().replace(/\s+/g, '')
    return same ? 'same' : 'unknown'
  }
  if (first === second) return 'same'
  const approximate = APPROXIMATE.some(([x, y]) => (x === first && y === second) || (x === second && y === first))
  return approximate ? 'approximate' : 'different'
}
