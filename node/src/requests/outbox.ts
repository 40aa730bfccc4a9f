import type { OutboxEntry, RequestMessage, UndeliveredMessage } from './types.ts'

/** First pause before a message is resent; it doubles with each failed attempt. */
const FIRST_RETRY_MS = 5_000

/** Maximum pause between two attempts, so a peer that comes back is reached within minutes. */
const MAX_RETRY_MS = 10 * 60_000

/**
 * Returns the key of a message in the `request-outbox` collection. Keys sort by queueing time,
 * so messages to one peer go out in the order they were made.
 */
export function outboxKey (queuedAt: string, messageId: string): string {
  return `${queuedAt}/${messageId}`
}

/** Makes a new outbox entry that is due at once. */
export function newOutboxEntry (message: RequestMessage, now: Date): OutboxEntry {
  return { message, queuedAt: now.toISOString(), attempts: 0, nextAttemptAt: now.toISOString() }
}

/** Returns the entry after a failed attempt, due again after a pause that doubles each time. */
export function afterFailure (entry: OutboxEntry, code: string, now: Date): OutboxEntry {
  const attempts = entry.attempts + 1
  const pause = Math.min(FIRST_RETRY_MS * 2 ** (attempts - 1), MAX_RETRY_MS)
  return { ...entry, attempts, lastError: code, nextAttemptAt: new Date(now.getTime() + pause).toISOString() }
}

/** Describes an entry for the API without repeating the message body. */
export function describeEntry (entry: OutboxEntry): UndeliveredMessage {
  return {
    type: entry.message.type,
    messageId: entry.message.messageId,
    queuedAt: entry.queuedAt,
    attempts: entry.attempts,
    ...(entry.lastError === undefined ? {} : { lastError: entry.lastError })
  }
}
