import AjvCompiler from '@fastify/ajv-compiler'

type BuildCompiler = ReturnType<typeof AjvCompiler>
type CompilerOptions = NonNullable<Parameters<BuildCompiler>[1]>

/**
 * Builds fastify's route validators with Ajv, coercing types only where HTTP carries text.
 * Query strings, path parameters and headers arrive as strings, so `?limit=5` must become the
 * integer the schema declares. A JSON body already has types, so `{"title":true}` or
 * `"timeoutMs":"5"` is rejected with ERR_HTTP_REQUEST_INVALID, never converted.
 * Used as fastify's `schemaController.compilersFactory.buildValidator`.
 */
export function buildValidator (externalSchemas: Parameters<BuildCompiler>[0], options: CompilerOptions = {}): ReturnType<BuildCompiler> {
  const fromPool = AjvCompiler()
  const customOptions = options.customOptions ?? {}
  const coercing = fromPool(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: true } } as CompilerOptions)
  const strict = fromPool(externalSchemas, { ...options, customOptions: { ...customOptions, coerceTypes: false } } as CompilerOptions)
  return (route) => route.httpPart === 'body' ? strict(route) : coercing(route)
}
