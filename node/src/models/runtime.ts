import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { errors } from '@ceasefire/protocol'
import type { Logger } from 'pino'

/** The models the node runs, each an ONNX file `<name>.onnx` in the models folder. */
export const MODEL_NAMES = ['linking', 'triage'] as const
export type ModelName = typeof MODEL_NAMES[number]

/** Input width each model must accept; a file with another width is refused at load. */
export type ModelWidths = Record<ModelName, number>

export const DEFAULT_MODELS_DIR = fileURLToPath(new URL('../../models/', import.meta.url))
export const DEFAULT_RUNTIME_MODULE = 'onnxruntime-node'

export interface ModelStatus {
  available: boolean
  /** Reason the models cannot run, set when `available` is false. */
  reason?: string
  runtime: string
  models: Array<{ name: ModelName, sha256: string }>
}

export interface LoadModelsOptions {
  /** Folder with the ONNX files; env `NFP_MODELS_DIR`, else `node/models/`. */
  modelsDir?: string
  /**
   * Module specifier of the ONNX runtime; env `NFP_ONNXRUNTIME_MODULE`, else `onnxruntime-node`.
   * Tests point it at a module that does not exist to run the node without models.
   */
  runtimeModule?: string
  widths: ModelWidths
  log: Logger
}

/** The part of onnxruntime-node's API the node uses. */
interface OrtSession {
  run: (feeds: Record<string, unknown>) => Promise<Record<string, { data: Float32Array | ArrayLike<number>, dims: readonly number[] }>>
  release?: () => Promise<void>
}
interface OrtModule {
  InferenceSession: { create: (bytes: Uint8Array, options?: Record<string, unknown>) => Promise<OrtSession> }
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown
}

/**
 * Loads the ONNX runtime and the models, or records why it cannot. onnxruntime-node is an
 * optional dependency of about 300 MB, so a node without it starts anyway. Every model
 * operation then throws ModelUnavailableError, and `status` contains the reason.
 */
export class ModelRuntime {
  readonly #sessions = new Map<ModelName, OrtSession>()
  readonly #hashes = new Map<ModelName, string>()
  #ort: OrtModule | undefined
  #reason: string | undefined
  readonly #runtime: string

  private constructor (runtime: string) {
    this.#runtime = runtime
  }

  static async load (options: LoadModelsOptions): Promise<ModelRuntime> {
    const runtimeModule = options.runtimeModule ?? process.env.NFP_ONNXRUNTIME_MODULE ?? DEFAULT_RUNTIME_MODULE
    const modelsDir = options.modelsDir ?? process.env.NFP_MODELS_DIR ?? DEFAULT_MODELS_DIR
    const runtime = new ModelRuntime(runtimeModule)
    try {
      runtime.#ort = await import(runtimeModule) as OrtModule
    } catch (err) {
      runtime.#reason = `the ONNX runtime \`${runtimeModule}\` could not be loaded (${firstLine(err)}); install it with \`npm install onnxruntime-node\``
      options.log.warn({ runtime: runtimeModule, err: firstLine(err) }, 'models unavailable: ONNX runtime not loaded; linking and triage are off')
      return runtime
    }
    for (const name of MODEL_NAMES) {
      const file = `${modelsDir.replace(/\/?$/, '/')}${name}.onnx`
      try {
        const bytes = await readFile(file)
        const session = await runtime.#ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 })
        await checkWidth(runtime.#ort, session, options.widths[name])
        runtime.#sessions.set(name, session)
        runtime.#hashes.set(name, createHash('sha256').update(bytes).digest('hex'))
      } catch (err) {
        runtime.#reason = `model \`${file}\` could not be loaded: ${firstLine(err)}; rebuild it with \`npm run train\``
        options.log.warn({ model: name, err: firstLine(err) }, 'models unavailable: a model file did not load; linking and triage are off')
        runtime.#sessions.clear()
        return runtime
      }
    }
    options.log.info({ runtime: runtimeModule, models: [...runtime.#hashes].map(([name, hash]) => `${name}@${hash.slice(0, 12)}`) }, 'models loaded')
    return runtime
  }

  get available (): boolean {
    return this.#reason === undefined
  }

  get status (): ModelStatus {
    return {
      available: this.available,
      ...(this.#reason === undefined ? {} : { reason: this.#reason }),
      runtime: this.#runtime,
      models: [...this.#hashes].map(([name, sha256]) => ({ name, sha256 }))
    }
  }

  /** Returns `<name>@sha256:<hex>`, the id a RecordLink names its model by. */
  modelId (name: ModelName): string {
    this.#require()
    return `${name}@sha256:${this.#hashes.get(name) ?? ''}`
  }

  /**
   * Runs a model on `rows` feature vectors laid out row after row, and returns its outputs in
   * the same layout.
   *
   * @throws ModelUnavailableError when the runtime or the model did not load.
   */
  async run (name: ModelName, input: Float32Array, rows: number): Promise<Float32Array> {
    const session = this.#require().get(name)!
    if (rows === 0) return new Float32Array(0)
    const width = input.length / rows
    const output = await session.run({ X: new this.#ort!.Tensor('float32', input, [rows, width]) })
    const y = output.Y
    if (y === undefined) throw new errors.InternalError(`model ${name} returned no output Y`)
    return y.data instanceof Float32Array ? y.data : Float32Array.from(y.data)
  }

  async close (): Promise<void> {
    for (const session of this.#sessions.values()) await session.release?.()
    this.#sessions.clear()
  }

  #require (): Map<ModelName, OrtSession> {
    if (this.#reason !== undefined) throw new errors.ModelUnavailableError(`linking and triage models are unavailable on this node: ${this.#reason}`)
    return this.#sessions
  }
}

/** Runs one row of zeros, so that a model of the wrong width fails at load and not on the first record. */
async function checkWidth (ort: OrtModule, session: OrtSession, width: number): Promise<void> {
  await session.run({ X: new ort.Tensor('float32', new Float32Array(width), [1, width]) })
}

function firstLine (err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!
}
