import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

/**
 * Creates the JSON Schema validator every protocol check uses. Unknown fields must be
 * rejected, never stripped, so removeAdditional stays off; strictRequired is off because the
 * Vehicle schema names identifying fields inside anyOf.
 */
export function createAjv (): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: false, removeAdditional: false, useDefaults: false, coerceTypes: false })
  const addFormats = addFormatsModule as unknown as (instance: Ajv2020) => Ajv2020
  addFormats(ajv)
  return ajv
}

/**
 * Returns a validator that compiles the schema `load` returns on its first call, so a module
 * that may never validate such a value costs nothing to load. Compiling every schema when the
 * modules loaded took about half a second of each start. `errors` is that of the last call.
 */
export function compileOnFirstUse (ajv: Ajv2020, load: () => object): ValidateFunction {
  let compiled: ValidateFunction | undefined
  const validate = ((data: unknown) => {
    compiled ??= ajv.compile(load())
    const valid = compiled(data)
    validate.errors = compiled.errors
    return valid
  }) as ValidateFunction
  return validate
}
