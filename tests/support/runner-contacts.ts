import type { RecordsFlow } from '../../src/shared/mapping/document'
import { MemorySink } from './memory-ports'

/**
 * The runner tests' contacts flow and records: an active-contacts filter, an e-mail step that
 * refuses bad addresses, and contacts `c-0001`… with valid fields unless a test patches them.
 */
export const activeContactsFlow = (patch: Partial<RecordsFlow> = {}): RecordsFlow => ({
  id: 'contacts',
  kind: 'records',
  source: { system: 'dynamics', table: 'contact' },
  target: { system: 'campaign', resource: 'profile' },
  match: { source: 'contactid', target: 'externalId' },
  filter: { field: 'statecode', op: 'eq', value: 0 },
  fields: [
    { target: 'email', from: ['emailaddress1'], steps: [{ fn: 'email' }] },
    { target: 'lastName', from: ['lastname'] }
  ],
  ...patch
})

export const id = (n: number) => `c-${String(n).padStart(4, '0')}`

export const contact = (n: number, patch: Record<string, unknown> = {}) => ({
  contactid: id(n),
  emailaddress1: `p${n}@example.com`,
  lastname: `Last${n}`,
  statecode: 0,
  ...patch
})

/**
 * A target that refuses contacts named REFUSE for good, and those named FLAKY every time but
 * retryably (deferred, then failed after the retry passes); deletes always land.
 */
export const refusingSink = (options: ConstructorParameters<typeof MemorySink>[0] = {}) =>
  new MemorySink({
    fail: (op) =>
      op.op !== 'delete' && op.record.lastName === 'REFUSE'
        ? { code: 'XTK-170001', message: 'refused', retryable: false, field: 'lastName' }
        : op.op !== 'delete' && op.record.lastName === 'FLAKY'
          ? { code: 'unavailable', message: 'try later', retryable: true }
          : undefined,
    ...options
  })
