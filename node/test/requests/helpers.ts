/** A request that contains every element of Directive (EU) 2023/977 Art. 4, for tests to take apart. */
export function completeRequest (overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    informationSought: { description: 'Records on a Glock 17 pistol seized in a car', fields: { serialNumber: 'ABC123' } },
    purpose: { description: 'Trace the pistol to its seller', facts: 'The pistol was found during a traffic stop on 2026-10-20.', offence: 'Illicit trafficking in firearms' },
    availabilityReasons: 'The serial number belongs to a batch sold in the requested member state.',
    urgency: { urgent: false },
    useRestrictions: 'Use only for this investigation.',
    language: 'en',
    europolCopy: { copy: false, reason: 'No link to organised crime is known yet.' },
    ...overrides
  }
}

/** Polls `check` until it returns true or two seconds pass. */
export async function eventually (check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    if (await check()) return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return false
}
