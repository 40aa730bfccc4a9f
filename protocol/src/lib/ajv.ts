import { Ajv2020 } from 'ajv/dist/2020.js'
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
