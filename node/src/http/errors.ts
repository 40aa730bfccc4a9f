import { NfpError, errors } from '@ceasefire/protocol'
import type { FastifyError, FastifyInstance } from 'fastify'

/**
 * Sends every error as `{ statusCode, code, error, message }` with the same codes the libp2p
 * protocol uses. Request validation failures from fastify become ERR_HTTP_REQUEST_INVALID.
 */
export function installErrorHandler (app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | NfpError, request, reply) => {
    let error: NfpError
    if (err instanceof NfpError) {
      error = err
    } else if ((err as FastifyError).validation !== undefined) {
      error = new errors.RequestInvalidError(`request ${(err as FastifyError).validationContext ?? ''} is invalid: ${err.message}`.replace('  ', ' '))
    } else if ((err as FastifyError).statusCode === 413) {
      error = new errors.HttpBodyTooLargeError('request body exceeds the limit of 1 MiB; send one record per request')
    } else if ((err as FastifyError).statusCode === 415) {
      error = new errors.HttpMediaTypeError(`unsupported content type ${JSON.stringify(request.headers['content-type'] ?? '')}; send application/json`)
    } else if ((err as FastifyError).statusCode !== undefined && (err as FastifyError).statusCode! < 500) {
      // Other client errors fastify raises itself, such as a body that is not valid JSON.
      error = new errors.RequestInvalidError(err.message)
    } else {
      request.log.error({ err }, 'unexpected error')
      error = new errors.InternalError('internal error; see the node log for details')
    }

    // A client error's message can quote what the client sent, such as a queried identifier or a
    // person's name. Only the code and the route are logged, and the message goes to the client alone.
    const route = request.routeOptions.url ?? 'unknown route'
    if (error.statusCode >= 500) request.log.error({ code: error.code, method: request.method, route }, error.message)
    else request.log.info({ code: error.code, method: request.method, route }, 'request rejected')

    const body: Record<string, unknown> = {
      statusCode: error.statusCode,
      code: error.code,
      error: statusText(error.statusCode),
      message: error.message
    }
    if (error.field !== undefined) body.field = error.field
    const decision = (error as { decision?: unknown }).decision
    if (decision !== undefined) body.decision = decision
    void reply.code(error.statusCode).send(body)
  })
}

/** Responds to unknown routes in the same error shape as every other failure. */
export function installNotFoundHandler (app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    const error = new errors.HttpRouteNotFoundError(`no route ${request.method} ${request.url.split('?')[0]}; see /docs for the API`)
    void reply.code(error.statusCode).send({ statusCode: error.statusCode, code: error.code, error: statusText(error.statusCode), message: error.message })
  })
}

function statusText (status: number): string {
  const texts: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }
  return texts[status] ?? 'Error'
}
