import t from 'tap'
import { deadlineOf, isOverdue, limitHours, openClock, pauseClock, resumeClock } from '../../src/requests/deadline.ts'

t.test('urgent direct limit at boundary', async t => {
  const clock = openClock(new Date('2026-03-10T09:00:00Z'), true, 'direct')
  t.equal(limitHours(true, 'direct'), 8)
  t.equal(deadlineOf(clock)?.toISOString(), '2026-03-10T17:00:00.000Z')
  t.equal(isOverdue(clock, new Date('2026-03-10T17:00:00Z')), false, 'not overdue at the deadline itself')
  t.equal(isOverdue(clock, new Date('2026-03-10T17:00:01Z')), true, 'overdue one second later')
})

t.test('urgent indirect limit at boundary', async t => {
  const clock = openClock(new Date('2026-03-10T09:00:00Z'), true, 'indirect')
  t.equal(deadlineOf(clock)?.toISOString(), '2026-03-13T09:00:00.000Z')
  t.equal(isOverdue(clock, new Date('2026-03-13T09:00:00Z')), false)
  t.equal(isOverdue(clock, new Date('2026-03-13T09:00:01Z')), true)
})

t.test('non-urgent limit at boundary', async t => {
  for (const access of ['direct', 'indirect'] as const) {
    const clock = openClock(new Date('2026-03-10T09:00:00Z'), false, access)
    t.equal(deadlineOf(clock)?.toISOString(), '2026-03-17T09:00:00.000Z', `${access} access`)
    t.equal(isOverdue(clock, new Date('2026-03-17T09:00:00Z')), false)
    t.equal(isOverdue(clock, new Date('2026-03-17T09:00:01Z')), true)
  }
})

t.test('deadline across DST change', async t => {
  // The EU leaves summer time on 2026-10-25 at 01:00 UTC; a UTC deadline does not move.
  const clock = openClock(new Date('2026-10-24T09:00:00Z'), true, 'indirect')
  t.equal(deadlineOf(clock)?.toISOString(), '2026-10-27T09:00:00.000Z')
  const weekly = openClock(new Date('2026-03-27T12:00:00Z'), false, 'direct')
  t.equal(deadlineOf(weekly)?.toISOString(), '2026-04-03T12:00:00.000Z', 'spring change as well')
})

t.test('pause extends the deadline', async t => {
  let clock = openClock(new Date('2026-03-10T09:00:00Z'), true, 'direct')
  clock = pauseClock(clock, new Date('2026-03-10T10:00:00Z'), 'clarification')
  t.equal(deadlineOf(clock), undefined, 'no deadline while paused')
  t.equal(isOverdue(clock, new Date('2026-03-20T00:00:00Z')), false, 'a paused clock is never overdue')
  clock = resumeClock(clock, new Date('2026-03-10T13:30:00Z'))
  t.equal(clock.pausedMs, 3.5 * 3_600_000)
  t.equal(deadlineOf(clock)?.toISOString(), '2026-03-10T20:30:00.000Z')
})
