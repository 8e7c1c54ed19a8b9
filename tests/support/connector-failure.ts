import { ConnectorError } from '../../src/main/connectors/http/errors'

/** The ConnectorError a call fails with; the test fails when it gives a result or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ConnectorError) return error
    throw new Error(`expected a ConnectorError, got ${String(error)}`, { cause: error })
  }
  throw new Error('expected a failure, the call gave a result')
}
