/**
 * Trains the record linking model (logistic regression over the pair features) on pairs
 * generated from the Agora listings and synthetic records, evaluates it by stratified k-fold
 * cross-validation, and writes `node/models/linking.onnx`, `node/models/linking.eval.json` and
 * the figures in the model card.
 *
 *   node scripts/train-linking.ts [--check]
 */
import { createHash } from 'node:crypto'
import { FEATURE_NAMES, pairFeatures } from '../node/src/linking/pair-features.ts'
import { LINK_PROPOSAL_THRESHOLD } from '../node/src/linking/threshold.ts'
import { encodeLinearModel } from './models/onnx-graph.ts'
import { predictInto, toSparse, trainLinear } from './models/linear-train.ts'
import type { TrainOptions } from './models/linear-train.ts'
import { generatePairs } from './models/linking-pairs.ts'
import { perClassFigures, round, stratifiedFolds } from './models/metrics.ts'
import type { ClassFigures } from './models/metrics.ts'
import { runTrainingScript } from './models/output.ts'
import { SeededRandom } from './models/random.ts'

export const LINKING_SEED = 9
export const LINKING_FOLDS = 5

const OPTIONS: TrainOptions = { classes: 1, features: FEATURE_NAMES.length, epochs: 2000, learningRate: 1, l2: 1e-4 }

export interface LinkingEvaluation {
  data: { pairs: number, matches: number, nonMatches: number, recipes: Record<string, number> }
  method: string
  threshold: number
  figures: ClassFigures
  byRecipe: Array<{ recipe: string, pairs: number, correct: number, accuracy: number | null }>
  weights: Record<string, number>
  bias: number
}

export interface TrainedLinking {
  onnx: Uint8Array
  sha256: string
  evaluation: LinkingEvaluation
}

export function trainLinking (): TrainedLinking {
  const random = new SeededRandom(LINKING_SEED)
  const pairs = generatePairs(random)
  const rows = pairs.map(pair => {
    const features = pairFeatures(pair.a, pair.b)
    if (features === undefined) throw new Error(`generated pair of ${String(pair.a.type)} and ${String(pair.b.type)} is not comparable`)
    return toSparse(features.values)
  })
  const labels = pairs.map(pair => pair.same)

  const folds = stratifiedFolds(labels, LINKING_FOLDS, random.shuffle(pairs.map((_, i) => i)))
  const predicted = new Array<number>(pairs.length).fill(0)
  const probability = new Float64Array(1)
  for (let fold = 0; fold < LINKING_FOLDS; fold++) {
    const train = pairs.map((_, i) => i).filter(i => folds[i] !== fold)
    const trained = trainLinear(train.map(i => rows[i]!), train.map(i => labels[i]!), OPTIONS)
    for (let i = 0; i < pairs.length; i++) {
      if (folds[i] !== fold) continue
      predictInto(rows[i]!, trained.weights, trained.bias, 1, probability)
      predicted[i] = probability[0]! >= LINK_PROPOSAL_THRESHOLD ? 1 : 0
    }
  }

  const recipes = [...new Set(pairs.map(pair => pair.recipe))]
  const byRecipe = recipes.map(recipe => {
    const members = pairs.map((pair, i) => ({ pair, i })).filter(({ pair }) => pair.recipe === recipe)
    const correct = members.filter(({ i }) => predicted[i] === labels[i]).length
    return { recipe, pairs: members.length, correct, accuracy: round(correct / members.length) }
  })

  const final = trainLinear(rows, labels, OPTIONS)
  const onnx = encodeLinearModel({
    name: 'record-linking',
    weights: Float32Array.from(final.weights),
    bias: Float32Array.from(final.bias),
    inputs: OPTIONS.features,
    outputs: 1,
    activation: 'sigmoid',
    docString: `Record linking: logistic regression over ${FEATURE_NAMES.length} pair features (${FEATURE_NAMES.join(', ')}). Trained by scripts/train-linking.ts with seed ${LINKING_SEED}.`
  })

  const evaluation: LinkingEvaluation = {
    data: {
      pairs: pairs.length,
      matches: labels.filter(label => label === 1).length,
      nonMatches: labels.filter(label => label === 0).length,
      recipes: Object.fromEntries(byRecipe.map(r => [r.recipe, r.pairs]))
    },
    method: `stratified ${LINKING_FOLDS}-fold cross-validation over generated pairs, seed ${LINKING_SEED}; a pair is proposed as a link at probability >= ${LINK_PROPOSAL_THRESHOLD}`,
    threshold: LINK_PROPOSAL_THRESHOLD,
    figures: perClassFigures(['non-match', 'match'], labels, predicted)[1]!,
    byRecipe,
    weights: Object.fromEntries(FEATURE_NAMES.map((name, j) => [name, round(final.weights[j]!) ?? 0])),
    bias: round(final.bias[0]!) ?? 0
  }
  return { onnx, sha256: createHash('sha256').update(onnx).digest('hex'), evaluation }
}

/** Formats the evaluation as the Markdown figures section of the model card. */
export function linkingFigures (evaluation: LinkingEvaluation): string {
  const format = (value: number | null): string => value === null ? 'n/a' : value.toFixed(3)
  const f = evaluation.figures
  const lines = [
    `${evaluation.data.pairs} generated pairs (${evaluation.data.matches} matches, ${evaluation.data.nonMatches} non-matches); ${evaluation.method}.`,
    '',
    `Matches: precision ${format(f.precision)}, recall ${format(f.recall)}, F1 ${format(f.f1)}.`,
    '',
    '| How the pair was made | Pairs | Correct | Accuracy |',
    '| --- | --- | --- | --- |',
    ...evaluation.byRecipe.map(r => `| ${r.recipe} | ${r.pairs} | ${r.correct} | ${format(r.accuracy)} |`),
    '',
    '| Feature | Weight |',
    '| --- | --- |',
    ...Object.entries(evaluation.weights).map(([name, weight]) => `| ${name} | ${weight.toFixed(3)} |`),
    `| (bias) | ${evaluation.bias.toFixed(3)} |`
  ]
  return lines.join('\n')
}

if (import.meta.main) {
  await runTrainingScript('linking', () => {
    const trained = trainLinking()
    return { onnx: trained.onnx, evaluation: trained.evaluation, figures: linkingFigures(trained.evaluation) }
  })
}
