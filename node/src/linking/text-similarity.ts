/**
 * String comparison for record linking: edit distance, with a cheaper cost for characters that
 * people and OCR confuse, and the similarity in [0, 1] derived from it.
 */

/** Groups of characters that look alike in print or in handwriting; a swap inside one group costs less. */
const LOOK_ALIKE_GROUPS = ['O0QD', 'I1LJ|!', 'S5$', 'B8', 'Z2', 'G6', 'T7', 'A4@', 'E3']
const LOOK_ALIKE = new Map<string, number>()
for (const [index, group] of LOOK_ALIKE_GROUPS.entries()) {
  for (const char of group) LOOK_ALIKE.set(char, index)
}

/** Cost of replacing one character by a look-alike, against 1 for any other replacement. */
const LOOK_ALIKE_COST = 0.3

function substitutionCost (a: string, b: string): number {
  if (a === b) return 0
  const groupA = LOOK_ALIKE.get(a.toUpperCase())
  return groupA !== undefined && groupA === LOOK_ALIKE.get(b.toUpperCase()) ? LOOK_ALIKE_COST : 1
}

/**
 * Returns the Levenshtein distance between two strings, where replacing a character by a
 * look-alike (O and 0, I and 1, S and 5 …) costs 0.3 when `lookAlike` is true.
 */
export function editDistance (a: string, b: string, lookAlike = false): number {
  if (a === b) return 0
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  let current = new Array<number>(b.length + 1)
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    for (let j = 1; j <= b.length; j++) {
      const replace = lookAlike ? substitutionCost(a[i - 1]!, b[j - 1]!) : (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + replace)
    }
    [previous, current] = [current, previous]
  }
  return previous[b.length]!
}

/** Returns 1 minus the edit distance divided by the longer length: 1 for equal strings, 0 for nothing in common. */
export function similarity (a: string, b: string, lookAlike = false): number {
  const longer = Math.max(a.length, b.length)
  if (longer === 0) return 1
  return Math.max(0, 1 - editDistance(a, b, lookAlike) / longer)
}
