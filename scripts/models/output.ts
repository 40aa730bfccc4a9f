import { readFileSync, writeFileSync } from 'node:fs'

export const MODELS_DIR = new URL('../../node/models/', import.meta.url)

export interface TrainingOutput {
  onnx: Uint8Array
  evaluation: unknown
  /** Markdown that replaces the generated figures section of the model card. */
  figures: string
}

/**
 * Writes a trained model, its evaluation and the figures section of its model card, or with
 * `--check` compares them with the committed files and exits with status 1 when they differ.
 */
export async function runTrainingScript (name: string, train: () => TrainingOutput): Promise<void> {
  const check = process.argv.includes('--check')
  const output = train()
  const files: Array<[URL, string | Uint8Array]> = [
    [new URL(`${name}.onnx`, MODELS_DIR), output.onnx],
    [new URL(`${name}.eval.json`, MODELS_DIR), JSON.stringify(output.evaluation, null, 2) + '\n'],
    [new URL(`${name}.md`, MODELS_DIR), withFigures(readFileSync(new URL(`${name}.md`, MODELS_DIR), 'utf8'), output.figures)]
  ]
  let differs = false
  for (const [url, content] of files) {
    if (check) {
      const committed = readFileSync(url)
      const same = Buffer.compare(committed, Buffer.from(content)) === 0
      if (!same) differs = true
      console.log(`${same ? 'same' : 'DIFFERS'} ${url.pathname}`)
    } else {
      writeFileSync(url, content)
      console.log(`wrote ${url.pathname}`)
    }
  }
  console.log(output.figures)
  if (differs) process.exitCode = 1
}

const START = '<!-- figures:start -->'
const END = '<!-- figures:end -->'

/** Replaces the text between the figures markers of a model card. */
export function withFigures (card: string, figures: string): string {
  const start = card.indexOf(START)
  const end = card.indexOf(END)
  if (start < 0 || end < start) throw new Error(`model card has no ${START} … ${END} section`)
  return `${card.slice(0, start + START.length)}\n${figures}\n${card.slice(end)}`
}
