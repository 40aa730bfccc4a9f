import { UsageError } from './args.ts'

/** Environment variable that gives the default for `--actor` (and `--by` of `nfp links`). */
export const ACTOR_ENV = 'NFP_ACTOR'

/** Help text for `--actor` on subcommands where the node requires a person. */
export const ACTOR_HELP = `Name or service number of the person acting, for the audit log (required; defaults to $${ACTOR_ENV}).`

/**
 * Returns the person acting: the value of `--NAME`, else `$NFP_ACTOR`.
 *
 * @throws UsageError when neither is set or the value is blank, because the node rejects an
 *   action that discloses or refuses without a named person (ERR_ACTOR_REQUIRED).
 */
export function needActor (values: Record<string, unknown>, name = 'actor'): string {
  const given = typeof values[name] === 'string' ? values[name] : process.env[ACTOR_ENV]
  const actor = given?.trim() ?? ''
  if (actor === '') throw new UsageError(`option --${name} is required, or set ${ACTOR_ENV}: the name of the person acting, for the audit log`)
  return actor
}
