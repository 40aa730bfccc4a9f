/**
 * Full-batch gradient descent for softmax (multinomial logistic) regression on sparse rows.
 * Full batches and a fixed number of epochs keep training deterministic: the same rows in the
 * same order give the same weights bit for bit on the same platform.
 */

/** A feature vector stored as its non-zero columns. */
export interface SparseRow {
  indices: Uint32Array
  values: Float64Array
}

export interface TrainOptions {
  classes: number
  features: number
  epochs: number
  learningRate: number
  /** L2 penalty on the weights (not the bias). */
  l2: number
  /** Per-class weights of the loss, to counter class imbalance; 1 for every class when absent. */
  classWeights?: Float64Array
}

export interface LinearWeights {
  /** Row-major, features x classes. */
  weights: Float64Array
  bias: Float64Array
}

export function toSparse (dense: ArrayLike<number>): SparseRow {
  const indices: number[] = []
  const values: number[] = []
  for (let i = 0; i < dense.length; i++) {
    if (dense[i] !== 0) {
      indices.push(i)
      values.push(dense[i]!)
    }
  }
  return { indices: Uint32Array.from(indices), values: Float64Array.from(values) }
}

/**
 * Trains softmax regression. With `classes` 1 it trains binary logistic regression, whose
 * labels are 0 and 1 and whose single output is the sigmoid of the logit.
 */
export function trainLinear (rows: readonly SparseRow[], labels: readonly number[], options: TrainOptions): LinearWeights {
  const { classes, features } = options
  const weights = new Float64Array(features * classes)
  const bias = new Float64Array(classes)
  const gradW = new Float64Array(features * classes)
  const gradB = new Float64Array(classes)
  const probabilities = new Float64Array(classes)
  const totalWeight = labels.reduce((sum, label) => sum + (options.classWeights?.[label] ?? 1), 0)

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    gradW.fill(0)
    gradB.fill(0)
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!
      const label = labels[r]!
      predictInto(row, weights, bias, classes, probabilities)
      const sampleWeight = (options.classWeights?.[label] ?? 1) / totalWeight
      for (let k = 0; k < classes; k++) {
        const target = classes === 1 ? label : (k === label ? 1 : 0)
        const error = (probabilities[k]! - target) * sampleWeight
        gradB[k]! += error
        for (let j = 0; j < row.indices.length; j++) gradW[row.indices[j]! * classes + k]! += error * row.values[j]!
      }
    }
    for (let i = 0; i < weights.length; i++) weights[i]! -= options.learningRate * (gradW[i]! + options.l2 * weights[i]!)
    for (let k = 0; k < classes; k++) bias[k]! -= options.learningRate * gradB[k]!
  }
  return { weights, bias }
}

/** Writes the class probabilities of one row into `out`. */
export function predictInto (row: SparseRow, weights: Float64Array, bias: Float64Array, classes: number, out: Float64Array): void {
  for (let k = 0; k < classes; k++) out[k] = bias[k]!
  for (let j = 0; j < row.indices.length; j++) {
    const base = row.indices[j]! * classes
    for (let k = 0; k < classes; k++) out[k]! += weights[base + k]! * row.values[j]!
  }
  if (classes === 1) {
    out[0] = 1 / (1 + Math.exp(-out[0]!))
    return
  }
  let max = -Infinity
  for (let k = 0; k < classes; k++) max = Math.max(max, out[k]!)
  let sum = 0
  for (let k = 0; k < classes; k++) {
    out[k] = Math.exp(out[k]! - max)
    sum += out[k]!
  }
  for (let k = 0; k < classes; k++) out[k]! /= sum
}
