import { describe, expect, it } from 'vitest'
import { JsonLog } from '../../src/main/cli/json-log'
import type { CliIO } from '../../src/main/cli/command'
import { registerSecret } from '../../src/main/connectors/http/redact'
import { zeroCounts } from '../../src/main/sync/journal-format'
import type { RunProgress } from '../../src/main/sync/progress'

function capture(): { io: CliIO; lines: () => Array<Record<string, unknown>>; raw: string[] } {
  const raw: string[] = []
  const io: CliIO = {
    out: (line) => raw.push(line),
    err: (line) => raw.push(`stderr:${line}`),
    isTerminal: true,
    signal: new AbortController().signal
  }
  return { io, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) }
}

const progress = (phase: RunProgress['phase'], finished: number): RunProgress => ({
  runId: 'r1',
  flowId: 'contacts',
  phase,
  dryRun: false,
  counts: { ...zeroCounts(), read: finished, created: finished },
  pages: 1,
  finished,
  ratePerSecond: 12.345,
  elapsedMs: 10
})

describe('--log json (JsonLog)', () => {
  it('writes one JSON object per line with event, at and the shard, never a terminal code', () => {
    const { io, raw, lines } = capture()
    const log = new JsonLog(io, { shard: { index: 2, count: 4 }, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) })
    log.write('run.start', { file: 'contacts.json' })
    log.sync({ type: 'notice', flowId: 'contacts', message: 'contact: change tracking' })
    expect(lines()).toEqual([
      { event: 'run.start', at: '2026-01-02T03:04:05.000Z', shard: '2/4', file: 'contacts.json' },
      { event: 'notice', at: '2026-01-02T03:04:05.000Z', shard: '2/4', flow: 'contacts', message: 'contact: change tracking' }
    ])
    expect(raw.join('\n')).not.toContain(String.fromCharCode(27))
  })

  it('keeps credentials out: a registered secret, a bearer token, a secret= parameter', () => {
    const { io, raw } = capture()
    const secret = 'cmp-secret-Q1w2e3r4t5y6u7-json-log'
    registerSecret(secret)
    const log = new JsonLog(io)
    log.write('run.failed', { message: `IMS refused client_secret=${secret}` })
    log.recordError('contacts', {
      key: 'k1',
      field: 'email',
      reason: `sent with Authorization: Bearer abcdefghijklmnop.qrstuvwxyz and ${secret}`
    })
    log.sync({ type: 'notice', flowId: 'contacts', message: `token=${'x'.repeat(30)}` })
    const text = raw.join('\n')
    expect(text).not.toContain(secret)
    expect(text).not.toContain('abcdefghijklmnop')
    expect(text).not.toContain('x'.repeat(30))
    expect(text).toContain('[redacted]')
    // Still JSON after redaction.
    for (const line of raw) expect(() => JSON.parse(line)).not.toThrow()
  })

  it('logs progress every few seconds and on each phase change, not four times a second', () => {
    const { io, lines } = capture()
    let now = 0
    const log = new JsonLog(io, { progressEveryMs: 5000, now: () => now })
    const at = (ms: number, phase: RunProgress['phase'], finished: number) => {
      now = ms
      log.sync({ type: 'progress', flowId: 'contacts', flowIndex: 0, flowCount: 1, progress: progress(phase, finished) })
    }
    at(0, 'reading', 0)
    at(250, 'writing', 10) // phase change: logged
    at(500, 'writing', 20)
    at(4000, 'writing', 30)
    at(5300, 'writing', 40) // 5 s after the last one: logged
    at(5400, 'done', 50) // phase change: logged
    expect(lines().map((l) => [l.phase, l.finished, l.ratePerSecond])).toEqual([
      ['reading', 0, 12.3],
      ['writing', 10, 12.3],
      ['writing', 40, 12.3],
      ['done', 50, 12.3]
    ])
  })

  it('logs record errors up to the limit per flow and says in flow.end how many it did not', () => {
    const { io, lines } = capture()
    const log = new JsonLog(io, { maxRecordErrors: 2 })
    for (let i = 0; i < 5; i++) log.recordError('contacts', { key: `k${i}`, field: 'email', reason: 'not an address' })
    log.recordError('events', { key: undefined, reason: 'no match key' })
    log.sync({
      type: 'flowFinished',
      flowId: 'contacts',
      flowIndex: 0,
      flowCount: 2,
      result: {
        flowId: 'contacts',
        kind: 'records',
        status: 'completed',
        dryRun: false,
        counts: { ...zeroCounts(), read: 5, failed: 5 },
        durationMs: 3,
        notices: []
      }
    })
    const out = lines()
    expect(out.filter((l) => l.event === 'record.error').map((l) => [l.flow, l.key, l.field ?? null, l.reason])).toEqual([
      ['contacts', 'k0', 'email', 'not an address'],
      ['contacts', 'k1', 'email', 'not an address'],
      ['events', null, null, 'no match key']
    ])
    expect(out.at(-1)).toMatchObject({
      event: 'flow.end',
      flow: 'contacts',
      status: 'completed',
      recordErrorsNotLogged: 3,
      counts: { failed: 5 }
    })
  })

  it("carries the flow's summary lines in flow.end: what a run did beyond its counts, as the text summary says it", () => {
    const { io, lines } = capture()
    const log = new JsonLog(io)
    const summary = ['1 opt-out conflict resolved: 1 cleared an opt-out (true → false)']
    log.sync({
      type: 'flowFinished',
      flowId: 'optouts',
      flowIndex: 0,
      flowCount: 1,
      result: {
        flowId: 'optouts',
        kind: 'optOut',
        status: 'completed',
        dryRun: false,
        counts: zeroCounts(),
        durationMs: 1,
        notices: [],
        summary
      }
    })
    expect(lines().at(-1)).toMatchObject({ event: 'flow.end', flow: 'optouts', summary })
  })
})
