import { describe, expect, it } from 'vitest'
import { optOutModes } from '../../src/shared/mapping/opt-out-modes'
import { ConflictTally, conflictLabel, planOptOut, type OptOutConflict, type OptOutDirection } from '../../src/main/sync/opt-out-rule'

/**
 * Conflicts made on purpose — both sides changed, to different values — are labelled with
 * both sides' values and times, the side kept and the rule; and every outcome is the one the
 * mode's description (`optOutModes`, shown in the Inspector and the schema) predicts.
 */
const pair = { dynamics: 'donotbulkemail', campaign: 'blackListEmail' }
const early = '2026-12-06T09:00:00.000Z'
const late = '2026-12-06T10:00:00.000Z'

/** What the description of "both" predicts, read literally. */
function predicted(d: boolean, dAt: string | null, c: boolean, cAt: string | null): boolean {
  // "If Campaign's change is newer, Campaign's value wins."
  if (dAt && cAt && Date.parse(cAt) > Date.parse(dAt)) return c
  // "If Dynamics' change is newer, or both changed at the same time, opt-out wins" — "A missing time counts as a tie."
  return d || c
}

describe('opt-out conflicts, both ways', () => {
  const cases: Array<[string, boolean, string | null, boolean, string | null, 'dynamics' | 'campaign', RegExp]> = [
    ['Campaign opted out later', false, early, true, late, 'campaign', /Campaign's change is newer/],
    ['Campaign opted back in later', true, early, false, late, 'campaign', /Campaign's change is newer/],
    ['Dynamics opted out later', true, late, false, early, 'dynamics', /Dynamics' change is newer, so opt-out wins/],
    [
      'Dynamics opted back in later: opt-out still wins',
      false,
      late,
      true,
      early,
      'campaign',
      /Dynamics' change is newer, so opt-out wins/
    ],
    ['same time', true, late, false, late, 'dynamics', /same time, so opt-out wins/],
    ['Campaign time missing', false, late, true, null, 'campaign', /time is missing/],
    ['Dynamics time missing', false, null, true, late, 'campaign', /time is missing/]
  ]
  it.each(cases)('%s', (_label, d, dAt, c, cAt, kept, rule) => {
    const plan = planOptOut('both', [pair], { donotbulkemail: d }, dAt, { blackListEmail: c }, { blackListEmail: cAt })
    const decision = plan.decisions[0]
    expect(decision.value).toBe(predicted(d, dAt, c, cAt))
    expect(decision.conflict).toBeDefined()
    const conflict = decision.conflict!
    expect(conflict.kept).toBe(kept)
    expect(conflict.dynamics).toEqual({ value: d, changedAt: dAt ?? undefined })
    expect(conflict.campaign).toEqual({ value: c, changedAt: cAt ?? undefined })
    const label = conflictLabel(conflict)
    expect(label).toContain(
      `Dynamics donotbulkemail = ${d} (${dAt ? `changed ${dAt.slice(0, 19).replace('T', ' ')} UTC` : 'change time unknown'})`
    )
    expect(label).toContain(
      `Campaign blackListEmail = ${c} (${cAt ? `changed ${cAt.slice(0, 19).replace('T', ' ')} UTC` : 'change time unknown'})`
    )
    expect(label).toContain(`→ ${kept === 'campaign' ? 'Campaign' : 'Dynamics'} kept (${decision.value})`)
    expect(label).toMatch(rule)
    // The losing side is the one written.
    expect(kept === 'campaign' ? plan.dynamics : plan.campaign).toEqual(
      kept === 'campaign' ? { donotbulkemail: decision.value } : { blackListEmail: decision.value }
    )
  })

  it('shows milliseconds in a label only when the time has them', () => {
    const plan = planOptOut(
      'both',
      [pair],
      { donotbulkemail: false },
      '2026-12-06T09:00:00.250Z',
      { blackListEmail: true },
      { blackListEmail: Date.parse(late) }
    )
    expect(conflictLabel(plan.decisions[0].conflict!)).toBe(
      "Conflict: Dynamics donotbulkemail = false (changed 2026-12-06 09:00:00.250 UTC), Campaign blackListEmail = true (changed 2026-12-06 10:00:00 UTC) → Campaign kept (true): Campaign's change is newer, so Campaign's value wins"
    )
  })

  it('labels nothing when the sides agree or the flow is off', () => {
    expect(
      planOptOut('both', [pair], { donotbulkemail: true }, early, { blackListEmail: true }, { blackListEmail: late }).decisions[0].conflict
    ).toBeUndefined()
    for (const direction of ['toCampaign', 'toDynamics', 'both'] as OptOutDirection[])
      expect(
        planOptOut(direction, [pair], { donotbulkemail: true }, early, { blackListEmail: true }, { blackListEmail: late }).decisions[0]
          .conflict
      ).toBeUndefined()
    expect(
      planOptOut('off', [pair], { donotbulkemail: true }, early, { blackListEmail: false }, { blackListEmail: late }).decisions[0].conflict
    ).toBeUndefined()
  })

  it('one way, labels the overwrite a difference gets: the source side kept, whatever the times', () => {
    // Dynamics → Campaign over a newer Campaign opt-out: Campaign's opt-out is cleared, and says so.
    const cleared = planOptOut('toCampaign', [pair], { donotbulkemail: false }, early, { blackListEmail: true }, { blackListEmail: late })
    expect(cleared.decisions[0].conflict).toMatchObject({ kept: 'dynamics', value: false, rule: 'oneWay' })
    expect(conflictLabel(cleared.decisions[0].conflict!)).toMatch(
      /Campaign blackListEmail = true \(changed 2026-12-06 10:00:00 UTC\) → Dynamics kept \(false\): the flow syncs one way, so the other side is overwritten$/
    )
    const copied = planOptOut('toDynamics', [pair], { donotbulkemail: false }, late, { blackListEmail: true }, { blackListEmail: early })
    expect(copied.decisions[0].conflict).toMatchObject({ kept: 'campaign', value: true, rule: 'oneWay' })
    const tally = new ConflictTally()
    tally.add(cleared.decisions[0].conflict!)
    tally.add(copied.decisions[0].conflict!)
    expect(tally.text(false)).toBe(
      "2 opt-out conflicts resolved: 1 kept Campaign's value, 1 kept Dynamics' value — by rule: 2 one way (the source side written); 1 cleared an opt-out (true → false)"
    )
    expect(tally.text(true)).toMatch(/^2 opt-out conflicts would be resolved: .*; 1 would clear an opt-out \(true → false\)$/)
  })

  it('describes every mode by the outcome the rule gives', () => {
    // One way: the source side's value, whatever the times.
    expect(optOutModes.toCampaign.rule).toMatch(/Dynamics is the source of truth/)
    expect(
      planOptOut('toCampaign', [pair], { donotbulkemail: false }, early, { blackListEmail: true }, { blackListEmail: late }).campaign
    ).toEqual({ blackListEmail: false })
    expect(optOutModes.toDynamics.rule).toMatch(/Campaign is the source of truth/)
    expect(
      planOptOut('toDynamics', [pair], { donotbulkemail: true }, late, { blackListEmail: false }, { blackListEmail: early }).dynamics
    ).toEqual({ donotbulkemail: false })
    expect(optOutModes.off.ways).toEqual([])
    const off = planOptOut('off', [pair], { donotbulkemail: true }, late, { blackListEmail: false }, { blackListEmail: early })
    expect([off.dynamics, off.campaign]).toEqual([{}, {}])
    expect(optOutModes.both.ways).toHaveLength(2)
  })
})

describe("the run summary's count of conflicts", () => {
  it('says when Dynamics and Campaign agreed on every opt-out, in the plan and in the run', () => {
    const none = new ConflictTally()
    expect(none.text(true)).toBe('no opt-out conflict to resolve: Dynamics and Campaign agreed on every opt-out')
    expect(none.text(false)).toBe('no opt-out conflict resolved: Dynamics and Campaign agreed on every opt-out')
  })

  // A conflict settled to an opt-out (true): nothing cleared.
  const settled = (kept: 'dynamics' | 'campaign', rule: OptOutConflict['rule']) => ({
    kept,
    rule,
    dynamics: { value: kept === 'dynamics' },
    campaign: { value: kept === 'campaign' }
  })

  it('counts conflicts by the side kept and by the rule that kept it, rules in a fixed order', () => {
    const tally = new ConflictTally()
    tally.add(settled('campaign', 'timeMissing'))
    expect(tally.text(false)).toBe(
      "1 opt-out conflict resolved: 1 kept Campaign's value, 0 kept Dynamics' value — by rule: 1 a time missing (opt-out wins)"
    )
    tally.add(settled('campaign', 'campaignNewer'))
    tally.add(settled('dynamics', 'sameTime'))
    tally.add(settled('campaign', 'campaignNewer'))
    expect(tally.total).toBe(4)
    expect(tally.kept).toEqual({ dynamics: 1, campaign: 3 })
    expect(tally.byRule).toEqual({ campaignNewer: 2, sameTime: 1, timeMissing: 1 })
    expect(tally.text(true)).toBe(
      "4 opt-out conflicts would be resolved: 3 kept Campaign's value, 1 kept Dynamics' value — by rule: " +
        "2 Campaign's change newer, 1 same time (opt-out wins), 1 a time missing (opt-out wins)"
    )
    tally.add(settled('dynamics', 'dynamicsNewer'))
    expect(tally.text(false)).toMatch(
      /^5 opt-out conflicts resolved: 3 kept Campaign's value, 2 kept Dynamics' value — by rule: 2 Campaign's change newer, 1 Dynamics' change newer \(opt-out wins\), 1 same time/
    )
  })

  it('tallies the conflicts a plan settles', () => {
    const tally = new ConflictTally()
    const plan = planOptOut(
      'both',
      [pair, { dynamics: 'donotphone', campaign: 'blackListPhone' }, { dynamics: 'donotfax', campaign: 'blackListFax' }],
      { donotbulkemail: false, donotphone: true, donotfax: true },
      late,
      { blackListEmail: true, blackListPhone: false, blackListFax: true },
      { blackListEmail: early, blackListPhone: early }
    )
    for (const decision of plan.decisions) if (decision.conflict) tally.add(decision.conflict)
    expect(tally.total).toBe(2)
    expect(tally.kept).toEqual({ dynamics: 1, campaign: 1 })
    expect(tally.byRule).toEqual({ dynamicsNewer: 2 })
  })
})
