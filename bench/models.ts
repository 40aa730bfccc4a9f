/**
 * Measures inferences per second of the linking and triage models run by onnxruntime-node, one
 * row per call and in batches. Two baselines are measured in the same run: the feature
 * computation alone, and the same linear model as a plain JavaScript dot product.
 *
 * Run it with `npm run bench:models`. `--write` replaces the section of docs/benchmarks.md
 * between the models markers; `--seconds N` sets the length of each round (default 2).
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs'
import { availableParallelism, platform, release } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import { FEATURE_NAMES, pairFeatures } from '../node/src/linking/pair-features.ts'
import { TRIAGE_CLASSES } from '../node/src/triage/classes.ts'
import { TRIAGE_FEATURE_COUNT, triageFeatures } from '../node/src/triage/features.ts'
import { generatePairs } from '../scripts/models/linking-pairs.ts'
import { SeededRandom } from '../scripts/models/random.ts'
import { readLabelledListings } from '../scripts/models/triage-data.ts'

const ROOT = new URL('../', import.meta.url)
const DOC = fileURLToPath(new URL('docs/benchmarks.md', ROOT))
const START = '<!-- models:start -->'
const END = '<!-- models:end -->'
const BATCH_TRIAGE = 143
const BATCH_LINKING = 512

/** Runs `work` for three rounds of `seconds` after a warm-up and returns the median rate of rows per second. */
async function measure (seconds: number, rowsPerCall: number, work: () => Promise<unknown> | unknown): Promise<number> {
  const round = async (duration: number): Promise<number> => {
    let rows = 0
    const start = performance.now()
    const end = start + duration * 1000
    while (performance.now() < end) {
      await work()
      rows += rowsPerCall
    }
    return rows / ((performance.now() - start) / 1000)
  }
  await round(Math.min(1, seconds))
  const rates = [await round(seconds), await round(seconds), await round(seconds)].sort((a, b) => a - b)
  return rates[1]!
}

/** Reads the weights and bias of a linear ONNX model as written by scripts/models/onnx-graph.ts. */
function linearWeights (file: string): { weights: Float32Array, bias: Float32Array } {
  const model = onnxProto.onnx.ModelProto.decode(readFileSync(file))
  const tensor = (name: string): Float32Array => Float32Array.from(model.graph!.initializer!.find(t => t.name === name)!.floatData!)
  return { weights: tensor('W'), bias: tensor('B') }
}

/** Computes the model in plain JavaScript: logits = x·W + b, then sigmoid or softmax. */
function dotProduct (x: Float32Array, weights: Float32Array, bias: Float32Array, out: Float64Array): void {
  const outputs = bias.length
  for (let k = 0; k < outputs; k++) out[k] = bias[k]!
  for (let j = 0; j < x.length; j++) {
    const v = x[j]!
    if (v === 0) continue
    for (let k = 0; k < outputs; k++) out[k]! += v * weights[j * outputs + k]!
  }
  if (outputs === 1) {
    out[0] = 1 / (1 + Math.exp(-out[0]!))
    return
  }
  let sum = 0
  for (let k = 0; k < outputs; k++) { out[k] = Math.exp(out[k]!); sum += out[k]! }
  for (let k = 0; k < outputs; k++) out[k]! /= sum
}

function format (rate: number): string {
  return Math.round(rate).toLocaleString('en-US')
}

function describeMachine (): string {
  let cpu = 'unknown CPU'
  if (existsSync('/proc/cpuinfo')) cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu
  return `${cpu}, ${availableParallelism()} logical CPUs, ${platform()} ${release()}, Node.js ${process.version}, onnxruntime-node ${ort.env.versions.node ?? 'unknown version'}`
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { write: { type: 'boolean' }, seconds: { type: 'string' } } })
  const seconds = Number(values.seconds ?? 2)
  if (!(seconds > 0)) throw new RangeError(`--seconds must be a positive number, got ${String(values.seconds)}`)
  const modelsDir = fileURLToPath(new URL('node/models/', ROOT))

  // Step 1: inputs. Triage reads the 143 real listings; linking reads generated pairs.
  const listings = readLabelledListings()
  const pairs = generatePairs(new SeededRandom(9)).slice(0, BATCH_LINKING)
  const triageRows = listings.map(listing => triageFeatures(listing))
  const linkingRows = pairs.map(pair => pairFeatures(pair.a, pair.b)!.values)
  const batch = (rows: Float32Array[], width: number): Float32Array => {
    const out = new Float32Array(rows.length * width)
    rows.forEach((row, i) => out.set(row, i * width))
    return out
  }

  const triage = await ort.InferenceSession.create(`${modelsDir}triage.onnx`)
  const linking = await ort.InferenceSession.create(`${modelsDir}linking.onnx`)
  const triageJs = linearWeights(`${modelsDir}triage.onnx`)
  const linkingJs = linearWeights(`${modelsDir}linking.onnx`)

  // Step 2: the JavaScript dot product must give what the ONNX model gives before speeds are compared.
  const check = new Float64Array(TRIAGE_CLASSES.length)
  dotProduct(triageRows[0]!, triageJs.weights, triageJs.bias, check)
  const onnxOut = (await triage.run({ X: new ort.Tensor('float32', triageRows[0]!, [1, TRIAGE_FEATURE_COUNT]) })).Y!.data as Float32Array
  if (Math.max(...Array.from(check, (v, k) => Math.abs(v - onnxOut[k]!))) > 1e-4) throw new Error('the JavaScript dot product disagrees with the ONNX triage model')

  // Step 3: measure.
  const out = new Float64Array(TRIAGE_CLASSES.length)
  let next = 0
  const triageBatch = batch(triageRows, TRIAGE_FEATURE_COUNT)
  const linkingBatch = batch(linkingRows, FEATURE_NAMES.length)
  const rows: Array<[string, string, number, number]> = []
  const add = (model: string, label: string, rate: number, reference: number): void => { rows.push([model, label, rate, reference]) }

  const triageSingle = await measure(seconds, 1, async () => await triage.run({ X: new ort.Tensor('float32', triageRows[next++ % triageRows.length]!, [1, TRIAGE_FEATURE_COUNT]) }))
  const triageBatched = await measure(seconds, BATCH_TRIAGE, async () => await triage.run({ X: new ort.Tensor('float32', triageBatch, [BATCH_TRIAGE, TRIAGE_FEATURE_COUNT]) }))
  const triageFeaturesOnly = await measure(seconds, 1, () => triageFeatures(listings[next++ % listings.length]!))
  const triageDot = await measure(seconds, 1, () => { dotProduct(triageRows[next++ % triageRows.length]!, triageJs.weights, triageJs.bias, out) })
  add('triage', 'ONNX, one listing per `run()`', triageSingle, triageSingle)
  add('triage', `ONNX, batches of ${BATCH_TRIAGE} listings`, triageBatched, triageSingle)
  add('triage', 'baseline: text features alone (TypeScript)', triageFeaturesOnly, triageSingle)
  add('triage', 'baseline: the same model as a JavaScript dot product', triageDot, triageSingle)

  const linkingSingle = await measure(seconds, 1, async () => await linking.run({ X: new ort.Tensor('float32', linkingRows[next++ % linkingRows.length]!, [1, FEATURE_NAMES.length]) }))
  const linkingBatched = await measure(seconds, BATCH_LINKING, async () => await linking.run({ X: new ort.Tensor('float32', linkingBatch, [BATCH_LINKING, FEATURE_NAMES.length]) }))
  const linkingFeaturesOnly = await measure(seconds, 1, () => { const pair = pairs[next++ % pairs.length]!; return pairFeatures(pair.a, pair.b) })
  const linkingDot = await measure(seconds, 1, () => { dotProduct(linkingRows[next++ % linkingRows.length]!, linkingJs.weights, linkingJs.bias, out) })
  add('linking', 'ONNX, one pair per `run()`', linkingSingle, linkingSingle)
  add('linking', `ONNX, batches of ${BATCH_LINKING} pairs`, linkingBatched, linkingSingle)
  add('linking', 'baseline: pair features alone (TypeScript)', linkingFeaturesOnly, linkingSingle)
  add('linking', 'baseline: the same model as a JavaScript dot product', linkingDot, linkingSingle)

  // Step 4: report.
  const section = [
    START,
    '## Linking and triage models',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:models\` (script \`bench/models.ts\`).`,
    '',
    `Machine: ${describeMachine()}.`,
    '',
    `Inputs: the 143 Agora listings for triage (${TRIAGE_FEATURE_COUNT} hashed features, ${TRIAGE_CLASSES.length} classes) and ${pairs.length} generated pairs for linking`,
    `(${FEATURE_NAMES.length} features). Rates count rows (listings or pairs) per second, the median of three rounds of ${seconds} s after`,
    'a warm-up. The ratio compares each rate with one row per ONNX `run()` call of the same model.',
    '',
    '| model | measurement | rows per second | ÷ single ONNX call |',
    '| --- | --- | ---: | ---: |',
    ...rows.map(([model, label, rate, reference]) => `| ${model} | ${label} | ${format(rate)} | ${(rate / reference).toFixed(2)} |`),
    '',
    'In the node, one stored record is one call: its candidates (linking) or the listing (triage)',
    'go into one batch. The feature rows show where the time goes when the models run singly.',
    END
  ].join('\n')
  console.log(section.split('\n').filter(line => !line.startsWith('<!--')).join('\n'))
  if (values.write === true) {
    const current = readFileSync(DOC, 'utf8')
    const start = current.indexOf(START)
    const end = current.indexOf(END)
    writeFileSync(DOC, start >= 0 && end > start ? current.slice(0, start) + section + current.slice(end + END.length) : `${current.trimEnd()}\n\n${section}\n`)
    console.log(`\nwrote ${DOC}`)
  }
}

await main()
