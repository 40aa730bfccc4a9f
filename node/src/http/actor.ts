import { Type } from 'typebox'
import { errors } from '@ceasefire/protocol'

/**
 * Schema of the `actor` member of an operator action that discloses or refuses information.
 * It is optional in the schema so that a missing name gets ERR_ACTOR_REQUIRED from
 * `requireActor` with `field: actor`, not a generic schema error.
 */
export const RequiredActor = Type.Optional(Type.String({ maxLength: 200, description: 'Name or service number of the person acting, for the audit log (required).' }))

/**
 * Returns the trimmed name of the person acting.
 *
 * @throws ActorRequiredError when the name is missing or blank, because the audit log must say
 *   who disclosed or refused; only automatic transitions are recorded as `node`.
 */
export function requireActor (actor: string | undefined): string {
  const name = actor?.trim() ?? ''
  if (name === '') {
    throw new errors.ActorRequiredError('`actor` is missing or blank; send the name or service number of the person who takes this action, so the audit log records who disclosed or refused', { field: 'actor' })
  }
  return name
}
