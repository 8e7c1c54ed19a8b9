import { describe, expect, it } from 'vitest'
import { runningIndicator } from '../../src/renderer/runs/format'

// The toolbar's "Syncing N%" during a three-flow sync went 14 → 74 %, then 2 → 88 %, then 3 %:
// each flow's own share, read by a consultant who had closed the dialog as the sync going back.
describe("the toolbar's words for a running sync", () => {
  const progress = (finished: number, total: number) => ({ phase: 'writing', finished, total })
  const session = (
    kind: string,
    flows: Record<string, { started: boolean; result?: unknown; progress?: ReturnType<typeof progress> }>
  ) => ({
    kind,
    flowIds: Object.keys(flows),
    flows
  })

  it('with several flows, say which flow the percentage is of', () => {
    const second = session('run', {
      contacts: { started: true, result: {}, progress: progress(100, 100) },
      vehicles: { started: true, progress: progress(14, 100) },
      registrations: { started: false }
    })
    expect(runningIndicator(second)).toEqual({
      text: 'Syncing 2/3 · 14%',
      label: 'Sync running — flow 2 of 3, 14% of its records — show progress'
    })
  })

  it('one flow: its percentage alone; no total: none', () => {
    expect(runningIndicator(session('dryRun', { contacts: { started: true, progress: progress(50, 200) } })).text).toBe('Dry run 25%')
    expect(
      runningIndicator(session('run', { contacts: { started: true, progress: { phase: 'reading', finished: 5 } as never } })).text
    ).toBe('Syncing')
    expect(runningIndicator(session('run', { a: { started: true }, b: { started: false } })).text).toBe('Syncing 1/2')
  })
})
