import type { CampaignPage } from '../../connectors/campaign/connector'
import { abortError, SyncFatalError } from '../ports'
import { positionExpired } from './errors'

/** A page of a Campaign listing, its `next` link kept as a position (`CampaignConnector.positionOf`). */
type CampaignPagePosition = Pick<CampaignPage, 'records' | 'next'>

/**
 * The pages of a Campaign listing (`list`), started afresh or from the `next` link a stopped run
 * kept (`resumedFrom`). A kept link Campaign no longer honours is a position that expired
 * (`positionExpired`): the service then says so and reads everything again (docs/cli.md, "run":
 * Ctrl+C); any other failure is the run's, which resumes from the same link later. Used by every
 * source that walks Campaign profiles (the opt-out flow's, the marketing history's).
 */
export async function* pagesFromPosition(
  list: () => AsyncGenerator<CampaignPagePosition>,
  resumedFrom: string | undefined,
  base: { positionOf(href: string): string },
  signal: AbortSignal
): AsyncIterable<CampaignPagePosition> {
  const pages = list()
  let first = true
  while (true) {
    if (signal.aborted) throw abortError()
    let step: IteratorResult<CampaignPagePosition>
    try {
      step = await pages.next()
    } catch (error) {
      if (first && resumedFrom && !signal.aborted && positionExpired(error, resumedFrom, base))
        throw new SyncFatalError('cursorExpired', `the stored profile page is no longer valid: ${(error as Error).message}`, {
          cause: error
        })
      throw error
    }
    first = false
    if (step.done) return
    yield step.value
  }
}
