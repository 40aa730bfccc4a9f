/**
 * Every failure a node reports, one class per kind, each with a stable code.
 *
 * The same code travels in HTTP error bodies (`{ statusCode, code, error, message }`) and in
 * libp2p error frames, and `docs/errors.md` lists them all; a test checks that table against
 * this file in both directions. Codes are never reused for another meaning.
 */

export interface NfpErrorOptions {
  cause?: unknown
  /** The offending field, as a JSON pointer or dotted path, where one applies. */
  field?: string
}

export class NfpError extends Error {
  static readonly code: string = 'ERR_NFP'
  static readonly statusCode: number = 500

  readonly code: string
  readonly statusCode: number
  readonly field: string | undefined

  constructor (message: string, options: NfpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    const ctor = this.constructor as typeof NfpError
    this.name = ctor.name
    this.code = ctor.code
    this.statusCode = ctor.statusCode
    this.field = options.field
  }
}

export class RecordInvalidError extends NfpError {
  static override readonly code = 'ERR_RECORD_INVALID'
  static override readonly statusCode = 400
}

export class RecordJsonLdInvalidError extends NfpError {
  static override readonly code = 'ERR_RECORD_JSONLD_INVALID'
  static override readonly statusCode = 400
}

export class RecordVersionMismatchError extends NfpError {
  static override readonly code = 'ERR_RECORD_VERSION_MISMATCH'
  static override readonly statusCode = 400
}

export class RecordNotFoundError extends NfpError {
  static override readonly code = 'ERR_RECORD_NOT_FOUND'
  static override readonly statusCode = 404
}

export class RecordNotOwnedError extends NfpError {
  static override readonly code = 'ERR_RECORD_NOT_OWNED'
  static override readonly statusCode = 403
}

export class RecordStaleError extends NfpError {
  static override readonly code = 'ERR_RECORD_STALE'
  static override readonly statusCode = 409
}

export class RecordNotCanonicalError extends NfpError {
  static override readonly code = 'ERR_RECORD_NOT_CANONICAL'
  static override readonly statusCode = 400
}

export class RecordPathInvalidError extends NfpError {
  static override readonly code = 'ERR_RECORD_PATH_INVALID'
  static override readonly statusCode = 400
}

export class SignatureMissingError extends NfpError {
  static override readonly code = 'ERR_SIG_MISSING'
  static override readonly statusCode = 400
}

export class SignatureInvalidError extends NfpError {
  static override readonly code = 'ERR_SIG_INVALID'
  static override readonly statusCode = 400
}

export class SignatureUnknownKeyError extends NfpError {
  static override readonly code = 'ERR_SIG_UNKNOWN_KEY'
  static override readonly statusCode = 400
}

export class PeerUnknownError extends NfpError {
  static override readonly code = 'ERR_PEER_UNKNOWN'
  static override readonly statusCode = 404
}

export class PeerUnreachableError extends NfpError {
  static override readonly code = 'ERR_PEER_UNREACHABLE'
  static override readonly statusCode = 502
}

export class PeerTimeoutError extends NfpError {
  static override readonly code = 'ERR_PEER_TIMEOUT'
  static override readonly statusCode = 504
}

export class PeerRejectedError extends NfpError {
  static override readonly code = 'ERR_PEER_REJECTED'
  static override readonly statusCode = 502
}

export class PeerIdentityMismatchError extends NfpError {
  static override readonly code = 'ERR_PEER_IDENTITY_MISMATCH'
  static override readonly statusCode = 403
}

/** A member sent share frames faster than the receiver admits from one peer. */
export class PeerRateLimitedError extends NfpError {
  static override readonly code = 'ERR_PEER_RATE_LIMITED'
  static override readonly statusCode = 429
}

export class ApiUnreachableError extends NfpError {
  static override readonly code = 'ERR_API_UNREACHABLE'
  static override readonly statusCode = 502
}

export class PolicyDeniedError extends NfpError {
  static override readonly code = 'ERR_POLICY_DENIED'
  static override readonly statusCode = 403
}

export class PolicyApprovalRequiredError extends NfpError {
  static override readonly code = 'ERR_POLICY_APPROVAL_REQUIRED'
  static override readonly statusCode = 403
}

export class PolicyInvalidError extends NfpError {
  static override readonly code = 'ERR_POLICY_INVALID'
  static override readonly statusCode = 500
}

export class FrameTooLargeError extends NfpError {
  static override readonly code = 'ERR_FRAME_TOO_LARGE'
  static override readonly statusCode = 413
}

export class FrameMalformedError extends NfpError {
  static override readonly code = 'ERR_FRAME_MALFORMED'
  static override readonly statusCode = 400
}

export class MembershipInvalidError extends NfpError {
  static override readonly code = 'ERR_MEMBERSHIP_INVALID'
  static override readonly statusCode = 500
}

export class MembershipUntrustedError extends NfpError {
  static override readonly code = 'ERR_MEMBERSHIP_UNTRUSTED'
  static override readonly statusCode = 400
}

export class MembershipStaleError extends NfpError {
  static override readonly code = 'ERR_MEMBERSHIP_STALE'
  static override readonly statusCode = 409
}

export class SignatureKeyNotValidError extends NfpError {
  static override readonly code = 'ERR_SIG_KEY_NOT_VALID'
  static override readonly statusCode = 400
}

export class SignatureKeyRevokedError extends NfpError {
  static override readonly code = 'ERR_SIG_KEY_REVOKED'
  static override readonly statusCode = 400
}

export class SecretsLockedError extends NfpError {
  static override readonly code = 'ERR_SECRETS_LOCKED'
  static override readonly statusCode = 500
}

export class ConfigInvalidError extends NfpError {
  static override readonly code = 'ERR_CONFIG_INVALID'
  static override readonly statusCode = 500
}

export class AuthRequiredError extends NfpError {
  static override readonly code = 'ERR_AUTH_REQUIRED'
  static override readonly statusCode = 401
}

export class RequestInvalidError extends NfpError {
  static override readonly code = 'ERR_HTTP_REQUEST_INVALID'
  static override readonly statusCode = 400
}

export class HttpRouteNotFoundError extends NfpError {
  static override readonly code = 'ERR_HTTP_ROUTE_NOT_FOUND'
  static override readonly statusCode = 404
}

export class HttpBodyTooLargeError extends NfpError {
  static override readonly code = 'ERR_HTTP_BODY_TOO_LARGE'
  static override readonly statusCode = 413
}

export class HttpMediaTypeError extends NfpError {
  static override readonly code = 'ERR_HTTP_MEDIA_TYPE'
  static override readonly statusCode = 415
}

export class StoreFailureError extends NfpError {
  static override readonly code = 'ERR_STORE_FAILURE'
  static override readonly statusCode = 500
}

export class ImportRowInvalidError extends NfpError {
  static override readonly code = 'ERR_IMPORT_ROW_INVALID'
  static override readonly statusCode = 400
}

export class InternalError extends NfpError {
  static override readonly code = 'ERR_INTERNAL'
  static override readonly statusCode = 500
}

export class InformationRequestInvalidError extends NfpError {
  static override readonly code = 'ERR_REQUEST_INVALID'
  static override readonly statusCode = 400
}

export class InformationRequestNotFoundError extends NfpError {
  static override readonly code = 'ERR_REQUEST_NOT_FOUND'
  static override readonly statusCode = 404
}

export class CaseNotFoundError extends NfpError {
  static override readonly code = 'ERR_CASE_NOT_FOUND'
  static override readonly statusCode = 404
}

export class CaseStateError extends NfpError {
  static override readonly code = 'ERR_CASE_STATE'
  static override readonly statusCode = 409
}

/** An operator action that discloses or refuses information names no person, so the audit log could not say who acted. */
export class ActorRequiredError extends NfpError {
  static override readonly code = 'ERR_ACTOR_REQUIRED'
  static override readonly statusCode = 400
}

export class RefusalGroundInvalidError extends NfpError {
  static override readonly code = 'ERR_REFUSAL_GROUND_INVALID'
  static override readonly statusCode = 400
}

export class IdentifierInvalidError extends NfpError {
  static override readonly code = 'ERR_IDENTIFIER_INVALID'
  static override readonly statusCode = 400
}

export class IdentifierChecksumError extends NfpError {
  static override readonly code = 'ERR_IDENTIFIER_CHECKSUM'
  static override readonly statusCode = 400
}

export class IdentifierTypeUnknownError extends NfpError {
  static override readonly code = 'ERR_IDENTIFIER_TYPE_UNKNOWN'
  static override readonly statusCode = 400
}

export class HitRateLimitedError extends NfpError {
  static override readonly code = 'ERR_HIT_RATE_LIMITED'
  static override readonly statusCode = 429
}

export class HitTypeForbiddenError extends NfpError {
  static override readonly code = 'ERR_HIT_TYPE_FORBIDDEN'
  static override readonly statusCode = 403
}

export class HitElementInvalidError extends NfpError {
  static override readonly code = 'ERR_HIT_ELEMENT_INVALID'
  static override readonly statusCode = 400
}

export class HitKeyEpochStaleError extends NfpError {
  static override readonly code = 'ERR_HIT_KEY_EPOCH_STALE'
  static override readonly statusCode = 409
}

export class HitIndexBuildingError extends NfpError {
  static override readonly code = 'ERR_HIT_INDEX_BUILDING'
  static override readonly statusCode = 503
}

export class HitNotFoundError extends NfpError {
  static override readonly code = 'ERR_HIT_NOT_FOUND'
  static override readonly statusCode = 404
}

export class ModelUnavailableError extends NfpError {
  static override readonly code = 'ERR_MODEL_UNAVAILABLE'
  static override readonly statusCode = 503
}

export class LinkNotFoundError extends NfpError {
  static override readonly code = 'ERR_LINK_NOT_FOUND'
  static override readonly statusCode = 404
}

export class LinkStateError extends NfpError {
  static override readonly code = 'ERR_LINK_STATE'
  static override readonly statusCode = 409
}

export class ProposalNotFoundError extends NfpError {
  static override readonly code = 'ERR_PROPOSAL_NOT_FOUND'
  static override readonly statusCode = 404
}

export class ProposalStateError extends NfpError {
  static override readonly code = 'ERR_PROPOSAL_STATE'
  static override readonly statusCode = 409
}

export class SignatureDisclosureInvalidError extends NfpError {
  static override readonly code = 'ERR_SIG_DISCLOSURE_INVALID'
  static override readonly statusCode = 400
}

export class SignatureProofInvalidError extends NfpError {
  static override readonly code = 'ERR_SIG_PROOF_INVALID'
  static override readonly statusCode = 400
}

export class SignatureRedactionForbiddenError extends NfpError {
  static override readonly code = 'ERR_SIG_REDACTION_FORBIDDEN'
  static override readonly statusCode = 400
}

export class SignatureVersionUnsupportedError extends NfpError {
  static override readonly code = 'ERR_SIG_VERSION_UNSUPPORTED'
  static override readonly statusCode = 400
}

export class ProtocolVersionUnsupportedError extends NfpError {
  static override readonly code = 'ERR_PROTOCOL_VERSION_UNSUPPORTED'
  static override readonly statusCode = 502
}

/** Every error class, keyed by its code; the error table in docs/errors.md must match it. */
export const errorClasses = {
  ERR_RECORD_INVALID: RecordInvalidError,
  ERR_RECORD_JSONLD_INVALID: RecordJsonLdInvalidError,
  ERR_RECORD_VERSION_MISMATCH: RecordVersionMismatchError,
  ERR_RECORD_NOT_FOUND: RecordNotFoundError,
  ERR_RECORD_NOT_OWNED: RecordNotOwnedError,
  ERR_RECORD_STALE: RecordStaleError,
  ERR_RECORD_NOT_CANONICAL: RecordNotCanonicalError,
  ERR_RECORD_PATH_INVALID: RecordPathInvalidError,
  ERR_SIG_MISSING: SignatureMissingError,
  ERR_SIG_INVALID: SignatureInvalidError,
  ERR_SIG_UNKNOWN_KEY: SignatureUnknownKeyError,
  ERR_PEER_UNKNOWN: PeerUnknownError,
  ERR_PEER_UNREACHABLE: PeerUnreachableError,
  ERR_PEER_TIMEOUT: PeerTimeoutError,
  ERR_PEER_REJECTED: PeerRejectedError,
  ERR_PEER_IDENTITY_MISMATCH: PeerIdentityMismatchError,
  ERR_PEER_RATE_LIMITED: PeerRateLimitedError,
  ERR_API_UNREACHABLE: ApiUnreachableError,
  ERR_POLICY_DENIED: PolicyDeniedError,
  ERR_POLICY_APPROVAL_REQUIRED: PolicyApprovalRequiredError,
  ERR_POLICY_INVALID: PolicyInvalidError,
  ERR_FRAME_TOO_LARGE: FrameTooLargeError,
  ERR_FRAME_MALFORMED: FrameMalformedError,
  ERR_MEMBERSHIP_INVALID: MembershipInvalidError,
  ERR_MEMBERSHIP_UNTRUSTED: MembershipUntrustedError,
  ERR_MEMBERSHIP_STALE: MembershipStaleError,
  ERR_SIG_KEY_NOT_VALID: SignatureKeyNotValidError,
  ERR_SIG_KEY_REVOKED: SignatureKeyRevokedError,
  ERR_SECRETS_LOCKED: SecretsLockedError,
  ERR_CONFIG_INVALID: ConfigInvalidError,
  ERR_AUTH_REQUIRED: AuthRequiredError,
  ERR_HTTP_REQUEST_INVALID: RequestInvalidError,
  ERR_HTTP_ROUTE_NOT_FOUND: HttpRouteNotFoundError,
  ERR_HTTP_BODY_TOO_LARGE: HttpBodyTooLargeError,
  ERR_HTTP_MEDIA_TYPE: HttpMediaTypeError,
  ERR_STORE_FAILURE: StoreFailureError,
  ERR_IMPORT_ROW_INVALID: ImportRowInvalidError,
  ERR_REQUEST_INVALID: InformationRequestInvalidError,
  ERR_REQUEST_NOT_FOUND: InformationRequestNotFoundError,
  ERR_CASE_NOT_FOUND: CaseNotFoundError,
  ERR_CASE_STATE: CaseStateError,
  ERR_ACTOR_REQUIRED: ActorRequiredError,
  ERR_REFUSAL_GROUND_INVALID: RefusalGroundInvalidError,
  ERR_IDENTIFIER_INVALID: IdentifierInvalidError,
  ERR_IDENTIFIER_CHECKSUM: IdentifierChecksumError,
  ERR_IDENTIFIER_TYPE_UNKNOWN: IdentifierTypeUnknownError,
  ERR_HIT_RATE_LIMITED: HitRateLimitedError,
  ERR_HIT_TYPE_FORBIDDEN: HitTypeForbiddenError,
  ERR_HIT_ELEMENT_INVALID: HitElementInvalidError,
  ERR_HIT_KEY_EPOCH_STALE: HitKeyEpochStaleError,
  ERR_HIT_INDEX_BUILDING: HitIndexBuildingError,
  ERR_HIT_NOT_FOUND: HitNotFoundError,
  ERR_MODEL_UNAVAILABLE: ModelUnavailableError,
  ERR_LINK_NOT_FOUND: LinkNotFoundError,
  ERR_LINK_STATE: LinkStateError,
  ERR_PROPOSAL_NOT_FOUND: ProposalNotFoundError,
  ERR_PROPOSAL_STATE: ProposalStateError,
  ERR_SIG_DISCLOSURE_INVALID: SignatureDisclosureInvalidError,
  ERR_SIG_PROOF_INVALID: SignatureProofInvalidError,
  ERR_SIG_REDACTION_FORBIDDEN: SignatureRedactionForbiddenError,
  ERR_SIG_VERSION_UNSUPPORTED: SignatureVersionUnsupportedError,
  ERR_PROTOCOL_VERSION_UNSUPPORTED: ProtocolVersionUnsupportedError,
  ERR_INTERNAL: InternalError
} as const

export type NfpErrorCode = keyof typeof errorClasses

/** Rebuilds a typed error from a code and message received over the wire; unknown codes become ERR_INTERNAL. */
export function errorFromCode (code: string, message: string, field?: string): NfpError {
  const cls = (errorClasses as Record<string, typeof NfpError>)[code] ?? InternalError
  return new cls(message, field === undefined ? {} : { field })
}
