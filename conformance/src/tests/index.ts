import type { ConformanceTest } from '../suite.ts'
import { auditTests } from './audit.ts'
import { errorCodeTests } from './errors.ts'
import { membershipTests } from './membership.ts'
import { policyTests } from './policy.ts'
import { requestCycleTests } from './request-cycle.ts'
import { requestTests } from './requests.ts'
import { shareTests } from './share.ts'
import { frameVectorTests, recordVectorTests } from './vectors.ts'

/**
 * Returns every test of the suite, in the order they run. A new SPEC section adds a module
 * here. New vectors in vectors/records or vectors/frames become tests without code. The
 * error-code test runs last, because it checks the codes every earlier test saw.
 */
export function allTests (): ConformanceTest[] {
  const tests = [
    ...membershipTests(),
    ...recordVectorTests(),
    ...frameVectorTests(),
    ...shareTests(),
    ...policyTests(),
    ...auditTests(),
    ...requestTests(),
    ...requestCycleTests(),
    ...errorCodeTests()
  ]
  const order = (section: string): number[] => section.split('.').map(Number)
  const sorted = tests.slice(0, -1).sort((a, b) => {
    const [x, y] = [order(a.section), order(b.section)]
    return (x[0]! - y[0]!) || ((x[1] ?? 0) - (y[1] ?? 0))
  })
  return [...sorted, tests.at(-1) as ConformanceTest]
}
