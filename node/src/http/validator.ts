import AjvCompiler from '@fastify/ajv-compiler'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'

type BuildCompiler = ReturnType<typeof AjvCompiler>
type CompilerOptions = NonNullable<Parameters<BuildCompiler>[1]>
type BuildSerializerCompiler = ReturnType<typeof SerializerSelector>

/**
 * Builds fastify's route validators with Ajv, coercing types only where HTTP carries text.
 * Query strings, path parameters and headers arrive as strings, so `?limit=5` must become the
 * integer the schema declares. A JSON body already has types, so `{"title":true}` or
 * `"timeoutMs":"5"` is rejected with ERR_HTTP_REQUEST_INVALID, never converted.
 * Each validator is compiled on the first request that needs it, not while routes are
 * registered, because compiling them all took about half a second of every start.
 * Used as fastify's `schemaController.compilersFactory.buildValidator`.
 */
export function buildValidator (externalSchemas: Parameters<BuildCompiler>[0], options: CompilerOptions = {}): ReturnType<BuildCompiler> {
  const fromPool = AjvCompiler()
  const customOptions = options.customOptions ?? {}
  const coercing = fromPool(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: true } } as CompilerOptions)
  const strict = fromPool(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: false } } as CompilerOptions)
  return (route) => lazyValidator(() => route.httpPart === 'body' ? strict(route) : coercing(route)) as unknown as ReturnType<ReturnType<BuildCompiler>>
}

/**
 * Builds fastify's response serializers, each compiled on the first response that needs it.
 * Used as fastify's `schemaController.compilersFactory.buildSerializer`.
 */
export function buildSerializer (externalSchemas: Parameters<BuildSerializerCompiler>[0], options: Parameters<BuildSerializerCompiler>[1]): ReturnType<BuildSerializerCompiler> {
  const compile = SerializerSelector()(externalSchemas, options)
  return (route) => {
    let serialize: ((data: unknown) => string) | undefined
    return (data: unknown) => {
      serialize ??= compile(route)
      return serialize(data)
    }
  }
}

type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown, schemaEnv?: unknown }

/**
 * Wraps the compile of one Ajv validator so it runs on the first call. Fastify passes the
 * request as parent data, which Ajv needs to coerce a root value, only to a function with
 * `schemaEnv`, so the wrapper sets it. It also copies `errors`, which fastify reads after a failure.
 * NOTE: a schema that Ajv cannot compile now fails its route's first request, not the start;
 * the HTTP tests send a request to each route.
 */
function lazyValidator (compile: () => unknown): Validate {
  let validate: Validate | undefined
  const wrapper: Validate = (data, context) => {
    validate ??= compile() as Validate
    const result = validate(data, context)
    wrapper.errors = validate.errors
    return result
  }
  wrapper.schemaEnv = true
  return wrapper
}
