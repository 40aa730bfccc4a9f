import type { CaseClock } from './types.ts'

const HOUR_MS = 3_600_000

/**
 * Returns the answer time limit of Directive (EU) 2023/977 Art. 5(1) in hours: 8 for an urgent
 * request whose information is directly available, 3 calendar days for an urgent request whose
 * information is indirectly available, 7 calendar days otherwise. Calendar days count as
 * 24-hour periods from receipt.
 * NOTE: whether "3 calendar days" ends after 72 hours or at the end of the third day is open;
 * 72 hours is the earlier, conservative reading.
 */
export function limitHours (urgent: boolean, access: 'direct' | 'indirect'): number {
  if (!urgent) return 7 * 24
  return access === 'direct' ? 8 : 3 * 24
}

/** Opens a clock at the time of receipt. */
export function openClock (receivedAt: Date, urgent: boolean, access: 'direct' | 'indirect'): CaseClock {
  return { receivedAt: receivedAt.toISOString(), urgent, access, limitHours: limitHours(urgent, access), pausedMs: 0 }
}

/**
 * Returns the deadline as a UTC instant, or undefined while the clock is paused. All arithmetic
 * is on epoch milliseconds, so no time-zone rule takes part.
 */
export function deadlineOf (clock: CaseClock): Date | undefined {
  if (clock.pausedSince !== undefined) return undefined
  return new Date(Date.parse(clock.receivedAt) + clock.limitHours * HOUR_MS + clock.pausedMs)
}

/** Returns true once `now` is after the deadline; a paused clock is never overdue. */
export function isOverdue (clock: CaseClock, now: Date): boolean {
  const deadline = deadlineOf(clock)
  return deadline !== undefined && now.getTime() > deadline.getTime()
}

/** Stops the clock; pausing a paused clock keeps the earlier start and reason. */
export function pauseClock (clock: CaseClock, at: Date, reason: 'clarification' | 'approval'): CaseClock {
  if (clock.pausedSince !== undefined) return clock
  return { ...clock, pausedSince: at.toISOString(), pauseReason: reason }
}

/** Restarts the clock and adds the paused time to the limit. */
export function resumeClock (clock: CaseClock, at: Date): CaseClock {
  if (clock.pausedSince === undefined) return clock
  const { pausedSince, pauseReason: _reason, ...rest } = clock
  return { ...rest, pausedMs: clock.pausedMs + Math.max(0, at.getTime() - Date.parse(pausedSince)) }
}

/**
 * Returns how long before the deadline the warning alert fires: an eighth of the limit, at most
 * one day (1 h for 8 h, 9 h for 3 days, 21 h for 7 days). The fraction is a design choice.
 */
export function warningLeadMs (clock: CaseClock): number {
  return Math.min(clock.limitHours * HOUR_MS / 8, 24 * HOUR_MS)
}
