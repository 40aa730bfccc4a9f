/**
 * The SPEC.md requirements the suite checks, by id. Each id appears in SPEC.md in brackets
 * next to the sentence it stands for; a unit test keeps the two in step.
 */
export const REQUIREMENTS: Record<string, { section: string, text: string }> = {
  'MEM-2.7-1': { section: '2.7', text: 'A node answers a membership offer that does not verify under its trust anchor with accepted false and ERR_MEMBERSHIP_UNTRUSTED' },
  'MEM-2.7-2': { section: '2.7', text: 'A node answers an offer older than the version it holds with ERR_MEMBERSHIP_STALE and includes its newer version' },
  'MEM-2.7-3': { section: '2.7', text: 'A node applies a newer membership version signed by its federation authority and answers accepted true with that version' },
  'REC-3.1-1': { section: '3.1', text: 'A receiver rejects a record whose id names another jurisdiction or type than the record (ERR_RECORD_INVALID)' },
  'REC-3.1-2': { section: '3.1', text: 'A receiver rejects a record with a field or value its schema does not allow (ERR_RECORD_INVALID)' },
  'REC-3.1-3': { section: '3.1', text: 'A receiver rejects a Person record without subjectCategory (ERR_RECORD_INVALID)' },
  'REC-3.2-1': { section: '3.2', text: 'A receiver rejects a record that names another JSON-LD context (ERR_RECORD_JSONLD_INVALID)' },
  'SIG-5-1': { section: '5', text: 'A receiver rejects a record without a signature or with empty signature members (ERR_SIG_MISSING)' },
  'SIG-5-2': { section: '5', text: 'A receiver rejects a signature whose header is not alg EdDSA and typ nfp-record+jws (ERR_SIG_INVALID)' },
  'SIG-5-3': { section: '5', text: 'A receiver rejects a record signed under a kid the membership does not list for its originator (ERR_SIG_UNKNOWN_KEY)' },
  'SIG-5-4': { section: '5', text: 'A receiver rejects a record whose signature does not verify over its canonical bytes (ERR_SIG_INVALID)' },
  'SIG-5-5': { section: '5', text: 'A receiver rejects a record whose versionHash does not match its content (ERR_RECORD_VERSION_MISMATCH)' },
  'SHARE-6.1-1': { section: '6.1', text: 'A node admits no connection from a peer outside its membership, so such a peer gets no reply frame' },
  'SHARE-6.1-2': { section: '6.1', text: 'A node refuses a frame larger than 1,048,576 bytes (ERR_FRAME_TOO_LARGE)' },
  'SHARE-6.1-3': { section: '6.1', text: 'A node refuses a frame that is not UTF-8 JSON or does not validate against its schema (ERR_FRAME_MALFORMED)' },
  'SHARE-6.2-1': { section: '6.2', text: 'A statement signed with the typ of another kind is rejected (ERR_SIG_INVALID)' },
  'SHARE-6.2-2': { section: '6.2', text: 'A statement is verified under the key of the jurisdiction in its by member, so a member cannot make one in another\'s name (ERR_SIG_UNKNOWN_KEY)' },
  'SHARE-6.3-1': { section: '6.3', text: 'A receiver refuses a whole share frame whose sender or receiver does not match the connection (ERR_PEER_IDENTITY_MISMATCH)' },
  'SHARE-6.3-2': { section: '6.3', text: 'A share request holds 1 to 100 items; other frames are malformed (ERR_FRAME_MALFORMED)' },
  'SHARE-6.3-3': { section: '6.3', text: 'Nothing unsigned travels beside a record; a frame with other members is malformed (ERR_FRAME_MALFORMED)' },
  'SHARE-6.4-1': { section: '6.4', text: 'A shared record arrives signed by its originator, with a hop signed by the sender and addressed to the recipient' },
  'SHARE-6.5-1': { section: '6.5', text: 'A receiver answers with a receipt signed by its key over messageId, sender, seqFrom, seqTo and the results exactly as sent' },
  'SHARE-6.5-2': { section: '6.5', text: 'Applying is idempotent: an item delivered twice is reported unchanged the second time' },
  'SHARE-6.5-3': { section: '6.5', text: 'A record that passes sections 5 and 6.6 is stored and reported stored' },
  'SHARE-6.6-1': { section: '6.6', text: 'A receiver rejects a record whose path does not end with a hop from the sender to the receiver signed over that version (ERR_RECORD_PATH_INVALID)' },
  'SHARE-6.6-2': { section: '6.6', text: 'A receiver rejects a version that is not newer than the one it holds (ERR_RECORD_STALE)' },
  'SHARE-6.7-1': { section: '6.7', text: 'A revocation signed by the originator deletes the record, and the receiver sends the originator a signed deletion statement' },
  'SHARE-6.7-2': { section: '6.7', text: 'A receiver rejects a revocation not signed by the jurisdiction named in the record id (ERR_SIG_INVALID)' },
  'POL-7-1': { section: '7', text: 'A node does not send a record its outbound policy denies, and records the decision in its audit log' },
  'POL-7-2': { section: '7', text: 'A node does not store a received record its inbound policy denies (ERR_POLICY_DENIED), and records the decision' },
  'POL-7-3': { section: '7', text: 'A received record that the inbound policy makes subject to approval is held, reported held and not stored' },
  'POL-7-4': { section: '7', text: 'A node records every decision in its audit log with the hash of the policy module' },
  'AUD-8.3-1': { section: '8.3', text: 'A node refuses a malformed audit head request with an error frame (ERR_FRAME_MALFORMED)' },
  'AUD-8.3-2': { section: '8.3', text: 'An audit head response carries a head signed by the responder with typ nfp-audit-head+jws and exactly jurisdiction, seq, hash and at' },
  'AUD-8.3-3': { section: '8.3', text: 'An audit head response returns the stored hash for each requested seq, and null for a seq without an entry' },
  'REQ-9.1-1': { section: '9.1', text: 'A node refuses a request message whose sender does not match the connection (ERR_PEER_IDENTITY_MISMATCH)' },
  'REQ-9.2-1': { section: '9.2', text: 'A node rejects a request that lacks an element of Art. 4 with ERR_REQUEST_INVALID naming the element in field' },
  'REQ-9.2-2': { section: '9.2', text: 'A request that arrives again with a known requestId opens no second case; the reply carries the same clock' },
  'REQ-9.3-1': { section: '9.3', text: 'A request that is not urgent gets a clock with a limit of 168 hours from receipt' },
  'REQ-9.3-2': { section: '9.3', text: 'An urgent request for information the responder does not hold directly gets a limit of 72 hours' },
  'REQ-9.3-3': { section: '9.3', text: 'An urgent request for a record the responder holds gets a limit of 8 hours' },
  'REQ-9.3-4': { section: '9.3', text: 'The clock pauses while a clarification is open and runs again when the requester answers it' },
  'REQ-9.4-1': { section: '9.4', text: 'A responder does not send an answer while an item awaits approval' },
  'REQ-9.4-2': { section: '9.4', text: 'An item that awaits approval pauses the clock, and the responder sends a delay-notice at once' },
  'REQ-9.4-3': { section: '9.4', text: 'An answer carries each provided record signed by its originator and a refusal with an Art. 6(1) ground for each refused item' },
  'ERR-12-1': { section: '12', text: 'Every error code a node sends on the wire is one of the codes in the table of docs/errors.md' }
}

/** Returns the section and title of a requirement. Throws for an id that is not in the catalogue. */
export function requirement (id: string): { requirement: string, section: string, title: string } {
  const found = REQUIREMENTS[id]
  if (found === undefined) throw new Error(`unknown requirement id ${id}; add it to conformance/src/requirements.ts and SPEC.md`)
  return { requirement: id, section: found.section, title: found.text }
}
