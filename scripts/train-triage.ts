/**
 * Trains the listing triage model (softmax regression over hashed text features) on the hand
 * labelled Agora 2014 listings, evaluates it by stratified k-fold cross-validation, and writes
 * `node/models/triage.onnx`, `node/models/triage.eval.json` and the figures in the model card.
 *
 *   node scripts/train-triage.ts [--check]
 *
 * `--check` trains and compares with the committed files instead of writing them.
 */
import { createHash } from 'node:crypto'
import { TRIAGE_CLASSES } from '../node/src/triage/classes.ts'
import { TRIAGE_FEATURE_COUNT, triageFeatures } from '../node/src/triage/features.ts'
import { extractOffer } from '../node/src/triage/offer.ts'
import { SeededRandom } from './models/random.ts'
import { encodeLinearModel } from './models/onnx-graph.ts'
import { predictInto, toSparse, trainLinear } from './models/linear-train.ts'
import type { SparseRow, TrainOptions } from './models/linear-train.ts'
import { perClassFigures, round, stratifiedFolds } from './models/metrics.ts'
import type { ClassFigures } from './models/metrics.ts'
import { readLabelledListings } from './models/triage-data.ts'
import type { LabelledListing } from './models/triage-data.ts'
import { runTrainingScript } from './models/output.ts'

export const TRIAGE_SEED = 20140301
export const TRIAGE_FOLDS = 5
/** Below this many examples of a class in the data, its figures are reported but called untrustworthy. */
export const MIN_TRUSTED_SUPPORT = 20

const OPTIONS: Omit<TrainOptions, 'classWeights'> = { classes: TRIAGE_CLASSES.length, features: TRIAGE_FEATURE_COUNT, epochs: 400, learningRate: 2, l2: 1e-4 }

/** Subcategories mapped to triage classes; the baseline every figure is compared with. */
const SUBCATEGORY_BASELINE: Record<string, number> = {
  'lethal firearms': 0,
  ammunition: 1,
  melee: 4,
  'non-lethal firearms': 5,
  fireworks: 5
}

export interface TriageEvaluation {
  data: { listings: number, perClass: Record<string, number>, uncertainLabels: number }
  method: string
  model: ClassFigures[]
  baseline: ClassFigures[]
  accuracy: { model: number | null, baseline: number | null }
  macroF1: { model: number | null, baseline: number | null, classesWithExamples: number }
  extraction: Record<'make' | 'model' | 'calibre', { labelled: number, extracted: number, correct: number, precision: number | null, recall: number | null }>
  untrusted: string[]
}

export interface TrainedTriage {
  onnx: Uint8Array
  sha256: string
  evaluation: TriageEvaluation
}

/** Trains the final model on every listing and evaluates the same recipe by cross-validation. */
export function trainTriage (): TrainedTriage {
  const listings = readLabelledListings()
  const rows = listings.map(listing => toSparse(triageFeatures(listing)))
  const labels = listings.map(listing => TRIAGE_CLASSES.indexOf(listing.label))
  const classWeights = balancedWeights(labels)

  const order = new SeededRandom(TRIAGE_SEED).shuffle(listings.map((_, i) => i))
  const folds = stratifiedFolds(labels, TRIAGE_FOLDS, order)
  const predicted = new Array<number>(listings.length).fill(-1)
  const weaponProbability = new Array<number>(listings.length).fill(0)
  for (let fold = 0; fold < TRIAGE_FOLDS; fold++) {
    const train = listings.map((_, i) => i).filter(i => folds[i] !== fold)
    const trained = trainLinear(train.map(i => rows[i]!), train.map(i => labels[i]!), { ...OPTIONS, classWeights })
    const probabilities = new Float64Array(OPTIONS.classes)
    for (let i = 0; i < listings.length; i++) {
      if (folds[i] !== fold) continue
      predictInto(rows[i]!, trained.weights, trained.bias, OPTIONS.classes, probabilities)
      predicted[i] = argmax(probabilities)
      weaponProbability[i] = probabilities[0]! + probabilities[1]! + probabilities[2]!
    }
  }

  const baselinePredictions = listings.map(listing => SUBCATEGORY_BASELINE[(listing.subcategory ?? '').toLowerCase()] ?? 5)
  const model = perClassFigures(TRIAGE_CLASSES, labels, predicted)
  const baseline = perClassFigures(TRIAGE_CLASSES, labels, baselinePredictions)
  const final = trainLinear(rows, labels, { ...OPTIONS, classWeights })
  const onnx = encodeLinearModel({
    name: 'listing-triage',
    weights: Float32Array.from(final.weights),
    bias: Float32Array.from(final.bias),
    inputs: OPTIONS.features,
    outputs: OPTIONS.classes,
    activation: 'softmax',
    docString: `Listing triage: softmax regression over ${OPTIONS.features} hashed text features; outputs ${TRIAGE_CLASSES.join(', ')}. Trained by scripts/train-triage.ts with seed ${TRIAGE_SEED}.`
  })

  const perClass = Object.fromEntries(TRIAGE_CLASSES.map((name, k) => [name, labels.filter(label => label === k).length]))
  const evaluation: TriageEvaluation = {
    data: { listings: listings.length, perClass, uncertainLabels: listings.filter(listing => !listing.certain).length },
    method: `stratified ${TRIAGE_FOLDS}-fold cross-validation, folds from seed ${TRIAGE_SEED}; figures pooled over the held-out folds; baseline: the market subcategory mapped to a class`,
    model,
    baseline,
    accuracy: { model: accuracy(labels, predicted), baseline: accuracy(labels, baselinePredictions) },
    macroF1: { model: macroF1(model), baseline: macroF1(baseline), classesWithExamples: model.filter(figures => figures.support > 0).length },
    extraction: evaluateExtraction(listings, weaponProbability),
    untrusted: model.filter(figures => figures.support < MIN_TRUSTED_SUPPORT).map(figures => figures.class)
  }
  return { onnx, sha256: createHash('sha256').update(onnx).digest('hex'), evaluation }
}

/** Weights each class by the inverse of its frequency, so that small classes count in the loss. */
function balancedWeights (labels: readonly number[]): Float64Array {
  const weights = new Float64Array(OPTIONS.classes)
  for (let k = 0; k < OPTIONS.classes; k++) {
    const count = labels.filter(label => label === k).length
    weights[k] = count === 0 ? 0 : labels.length / (OPTIONS.classes * count)
  }
  return weights
}

/**
 * Compares the extracted make, model and calibre with the hand labels of the listings labelled
 * firearm, parts or ammunition, using the weapon probability from the held-out fold.
 */
function evaluateExtraction (listings: readonly LabelledListing[], weaponProbability: readonly number[]): TriageEvaluation['extraction'] {
  const result = {} as TriageEvaluation['extraction']
  for (const field of ['make', 'model', 'calibre'] as const) {
    let labelled = 0
    let extracted = 0
    let correct = 0
    for (const [i, listing] of listings.entries()) {
      if (!['firearm', 'parts-or-conversion-kit', 'ammunition'].includes(listing.label)) continue
      const value = extractOffer(listing, weaponProbability[i]!)[field]?.value
      if (listing[field] !== undefined) labelled++
      if (value !== undefined) extracted++
      if (value !== undefined && value === listing[field]) correct++
    }
    result[field] = { labelled, extracted, correct, precision: extracted === 0 ? null : round(correct / extracted), recall: labelled === 0 ? null : round(correct / labelled) }
  }
  return result
}

function argmax (values: ArrayLike<number>): number {
  let best = 0
  for (let k = 1; k < values.length; k++) if (values[k]! > values[best]!) best = k
  return best
}

function accuracy (truth: readonly number[], predicted: readonly number[]): number | null {
  return round(truth.filter((label, i) => label === predicted[i]).length / truth.length)
}

function macroF1 (figures: readonly ClassFigures[]): number | null {
  const present = figures.filter(f => f.support > 0)
  return round(present.reduce((sum, f) => sum + (f.f1 ?? 0), 0) / present.length)
}

export type { SparseRow }

if (import.meta.main) {
  await runTrainingScript('triage', () => {
    const trained = trainTriage()
    return { onnx: trained.onnx, evaluation: trained.evaluation, figures: triageFigures(trained.evaluation) }
  })
}

/** Formats the evaluation as the Markdown figures section of the model card. */
export function triageFigures (evaluation: TriageEvaluation): string {
  const format = (value: number | null): string => value === null ? 'n/a' : value.toFixed(2)
  const lines = [
    `${evaluation.data.listings} listings; ${evaluation.method}.`,
    '',
    '| Class | Listings | Precision | Recall | F1 | Baseline F1 | Trust |',
    '| --- | --- | --- | --- | --- | --- | --- |'
  ]
  for (const [k, figures] of evaluation.model.entries()) {
    let trust = 'indicative'
    if (figures.support < MIN_TRUSTED_SUPPORT) trust = 'too few examples'
    if (figures.support === 0) trust = 'no examples: not evaluated'
    lines.push(`| ${figures.class} | ${figures.support} | ${format(figures.precision)} | ${format(figures.recall)} | ${format(figures.f1)} | ${format(evaluation.baseline[k]!.f1)} | ${trust} |`)
  }
  lines.push('', `Accuracy ${format(evaluation.accuracy.model)} (baseline ${format(evaluation.accuracy.baseline)}); macro F1 over the ${evaluation.macroF1.classesWithExamples} classes with examples ${format(evaluation.macroF1.model)} (baseline ${format(evaluation.macroF1.baseline)}).`, '')
  lines.push('| Extracted field | Labelled | Extracted | Correct | Precision | Recall |', '| --- | --- | --- | --- | --- | --- |')
  for (const [field, figures] of Object.entries(evaluation.extraction)) {
    lines.push(`| ${field} | ${figures.labelled} | ${figures.extracted} | ${figures.correct} | ${format(figures.precision)} | ${format(figures.recall)} |`)
  }
  return lines.join('\n')
}
