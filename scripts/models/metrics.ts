/** Precision, recall and F1 of one class, with the counts they come from. */
export interface ClassFigures {
  class: string
  support: number
  predicted: number
  truePositives: number
  precision: number | null
  recall: number | null
  f1: number | null
}

/**
 * Computes per-class figures from true and predicted class indices. A figure whose denominator
 * is 0 is null rather than 0 or 1, so a class that never occurs does not look perfect or failed.
 */
export function perClassFigures (names: readonly string[], truth: readonly number[], predicted: readonly number[]): ClassFigures[] {
  return names.map((name, k) => {
    let tp = 0
    let support = 0
    let predictedCount = 0
    for (let i = 0; i < truth.length; i++) {
      if (truth[i] === k) support++
      if (predicted[i] === k) predictedCount++
      if (truth[i] === k && predicted[i] === k) tp++
    }
    const precision = predictedCount === 0 ? null : tp / predictedCount
    const recall = support === 0 ? null : tp / support
    let f1: number | null = null
    if (recall === 0 || precision === 0) f1 = 0
    else if (precision !== null && recall !== null) f1 = 2 * precision * recall / (precision + recall)
    return { class: name, support, predicted: predictedCount, truePositives: tp, precision: round(precision), recall: round(recall), f1: round(f1) }
  })
}

export function round (value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000
}

/** Assigns each item to one of `k` folds so that every class is spread evenly; `order` is a seeded permutation of the indices. */
export function stratifiedFolds (labels: readonly number[], k: number, order: readonly number[]): number[] {
  const folds = new Array<number>(labels.length).fill(0)
  const next = new Map<number, number>()
  for (const index of order) {
    const label = labels[index]!
    const fold = next.get(label) ?? 0
    folds[index] = fold
    next.set(label, (fold + 1) % k)
  }
  return folds
}
