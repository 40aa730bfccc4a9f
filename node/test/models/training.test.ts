import t from 'tap'
import { readFileSync } from 'node:fs'
import { trainLinking } from '../../../scripts/train-linking.ts'
import { trainTriage } from '../../../scripts/train-triage.ts'

const committed = (name: string): Buffer => readFileSync(new URL(`../../models/${name}`, import.meta.url))

t.test('triage training is reproducible', async t => {
  const first = trainTriage()
  const second = trainTriage()
  t.equal(Buffer.compare(Buffer.from(first.onnx), Buffer.from(second.onnx)), 0, 'two runs give the same bytes')
  t.equal(Buffer.compare(Buffer.from(first.onnx), committed('triage.onnx')), 0, 'the committed model is what the script builds; run `npm run train` after changing it')
  t.same(first.evaluation, JSON.parse(committed('triage.eval.json').toString('utf8')))
})

t.test('triage figures stay within bounds', async t => {
  const { evaluation } = trainTriage()
  t.equal(evaluation.data.listings, 143)
  const figures = Object.fromEntries(evaluation.model.map(f => [f.class, f]))
  // Bounds sit below the measured figures (see node/models/triage.md) to catch regressions, not noise.
  t.ok(figures.firearm!.f1! >= 0.85, `firearm F1 ${figures.firearm!.f1}`)
  t.ok(figures.ammunition!.f1! >= 0.8, `ammunition F1 ${figures.ammunition!.f1}`)
  t.ok(evaluation.accuracy.model! > evaluation.accuracy.baseline!, 'the model beats the subcategory baseline')
  t.equal(figures['blank-or-alarm-weapon']!.support, 0, 'the data hold no blank-firing weapon')
  t.same(evaluation.untrusted, ['parts-or-conversion-kit', 'blank-or-alarm-weapon', 'melee'])
})

t.test('linking training is reproducible', async t => {
  const first = trainLinking()
  const second = trainLinking()
  t.equal(Buffer.compare(Buffer.from(first.onnx), Buffer.from(second.onnx)), 0, 'two runs give the same bytes')
  t.equal(Buffer.compare(Buffer.from(first.onnx), committed('linking.onnx')), 0, 'the committed model is what the script builds; run `npm run train` after changing it')
  t.ok(first.evaluation.figures.f1! >= 0.95, `match F1 ${first.evaluation.figures.f1} on generated pairs`)
  for (const recipe of first.evaluation.byRecipe) t.ok(recipe.accuracy! >= 0.9, `${recipe.recipe}: ${recipe.accuracy}`)
})

t.test('ONNX models match the TypeScript weights', async t => {
  const ort = await import('onnxruntime-node')
  const { pairFeatures, FEATURE_NAMES } = await import('../../src/linking/pair-features.ts')
  const session = await ort.InferenceSession.create(committed('linking.onnx'))
  const features = pairFeatures({ type: 'Firearm', make: 'Glock', model: '19', serialNumber: 'AB1234' }, { type: 'Firearm', make: 'GLOCK', model: 'G19', serialNumber: 'AB1234' })!
  const { Y } = await session.run({ X: new ort.Tensor('float32', features.values, [1, FEATURE_NAMES.length]) })
  const weights = trainLinking().evaluation
  let logit = weights.bias
  for (const [j, name] of FEATURE_NAMES.entries()) logit += weights.weights[name]! * features.values[j]!
  // The evaluation rounds weights to three decimals, so the two agree to about 1e-2.
  t.ok(Math.abs((Y!.data as Float32Array)[0]! - 1 / (1 + Math.exp(-logit))) < 0.02)
})
