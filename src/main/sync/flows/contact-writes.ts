import type { DynamicsConnector, DynamicsRecord, WriteOperation } from '../../connectors/dynamics/connector'
import { ConnectorError } from '../../connectors/http/errors'

/**
 * Updates of one Dynamics table, made one record at a time by a sink's code, sent together:
 * the updates asked for within `windowMs` of each other (a sink's batch, written in parallel)
 * go out as one `UpdateMultiple` (or `$batch` where the table lacks it —
 * `DynamicsConnector.writeMany`), up to `maxBatch` a call. Each caller still gets its own
 * answer: nothing, or the record's own error as a `ConnectorError`, as `update` would throw —
 * or an `UpdateOutcomeUnknown` when the call got no answer (the update may or may not have landed).
 */
export class BatchedUpdates {
  private queue: Array<{ key: string; record: DynamicsRecord; done: () => void; fail: (error: unknown) => void }> = []
  private timer: NodeJS.Timeout | undefined
  /** Calls sent (tests read it). */
  sent = 0

  constructor(
    private readonly connector: DynamicsConnector,
    private readonly table: string,
    private readonly options: { windowMs?: number; maxBatch?: number; signal?: AbortSignal } = {}
  ) {}

  update(key: string, record: DynamicsRecord): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ key, record, done, fail })
      if (this.queue.length >= (this.options.maxBatch ?? 100)) this.flush()
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs ?? 5)
    })
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const items = this.queue.splice(0)
    if (items.length === 0) return
    this.sent++
    const ops: WriteOperation[] = items.map((item) => ({ kind: 'update', table: this.table, key: item.key, record: item.record }))
    this.connector.writeMany(ops, { signal: this.options.signal }).then(
      (outcomes) =>
        items.forEach((item, at) => {
          const outcome = outcomes[at]
          if (outcome?.ok) return item.done()
          const info = outcome?.error
          if (outcome?.unknown) return item.fail(new UpdateOutcomeUnknown(`${info?.message ?? 'no answer'} ${info?.hint ?? ''}`.trim()))
          item.fail(
            new ConnectorError({
              kind: info?.kind ?? 'protocol',
              service: 'dynamics',
              status: outcome?.status,
              ...(info?.code ? { code: info.code } : {}),
              message: info?.message ?? `the update of ${this.table} ${item.key} got no answer`,
              ...(info?.hint ? { hint: info.hint } : {})
            })
          )
        }),
      (error) => items.forEach((item) => item.fail(error))
    )
  }
}

/**
 * An update that got no answer from Dynamics (a bulk write or `$batch` that timed out or lost its
 * connection; `WriteOutcome.unknown`): the record may or may not be updated. The connector did
 * not send it again, and the sink reports the record's outcome as `unknown`, never as a failure
 * to retry in the run (docs/sync.md, "Outcome unknown").
 */
export class UpdateOutcomeUnknown extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UpdateOutcomeUnknown'
  }
}
