/**
 * Rebuilds every model of the node from its data and writes the ONNX files, evaluations and
 * model card figures under node/models/. `--check` compares with the committed files instead.
 *
 *   npm run train [-- --check]
 */
import { linkingFigures, trainLinking } from './train-linking.ts'
import { runTrainingScript } from './models/output.ts'
import { trainTriage, triageFigures } from './train-triage.ts'

await runTrainingScript('triage', () => {
  const trained = trainTriage()
  return { onnx: trained.onnx, evaluation: trained.evaluation, figures: triageFigures(trained.evaluation) }
})
await runTrainingScript('linking', () => {
  const trained = trainLinking()
  return { onnx: trained.onnx, evaluation: trained.evaluation, figures: linkingFigures(trained.evaluation) }
})
