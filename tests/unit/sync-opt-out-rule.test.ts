import { describe, expect, it } from 'vitest'
import { planOptOut, resolveOptOut, type OptOutDirection } from '../../src/main/sync/opt-out-rule'

/**
 * https://experienceleague.adobe.com/en/docs/campaign-standard/using/integrating-with-adobe-cloud/campaign-and-microsoft-dynamics-365/d365-acs-notices-and-recommendations, bidirectional: "compares timestamps between the two
 * systems (record-level change in Dynamics 365, attribute-level change in Campaign) … If
 * Campaign contains the more recent timestamp, then the Campaign value prevails. If
 * Dynamics 365 contains the more recent timestamp or if they are equal, then opt-out=TRUE
 * will win (assuming one of the values is TRUE)."
 */
const T0 = '2024-05-01T10:00:00Z'
const T1 = '2024-05-01T10:00:01Z'

type Row = [
  label: string,
  dynamics: boolean | null,
  dynamicsAt: string | null,
  campaign: boolean | null,
  campaignAt: string | null,
  value: boolean,
  winner: string,
  writeDynamics: boolean,
  writeCampaign: boolean
]

const both: Row[] = [
  // Campaign more recent: the Campaign value prevails, whichever it is.
  ['Campaign newer, Campaign opted out', false, T0, true, T1, true, 'campaign', true, false],
  ['Campaign newer, Campaign opted back in', true, T0, false, T1, false, 'campaign', true, false],
  ['Campaign newer, both opted out', true, T0, true, T1, true, 'agree', false, false],
  ['Campaign newer, neither', false, T0, false, T1, false, 'agree', false, false],
  // Dynamics more recent: opt-out = TRUE wins if either is TRUE.
  ['Dynamics newer, Dynamics opted out', true, T1, false, T0, true, 'dynamics', false, true],
  ['Dynamics newer, only Campaign opted out: TRUE still wins', false, T1, true, T0, true, 'optOutWins', true, false],
  ['Dynamics newer, neither', false, T1, false, T0, false, 'agree', false, false],
  ['Dynamics newer, both', true, T1, true, T0, true, 'agree', false, false],
  // Equal timestamps: same as Dynamics newer.
  ['equal, Campaign opted out', false, T0, true, T0, true, 'optOutWins', true, false],
  ['equal, Dynamics opted out', true, T0, false, T0, true, 'optOutWins', false, true],
  ['equal, neither', false, T0, false, T0, false, 'agree', false, false],
  // Our reading of the gaps: an unknown time never makes Campaign "more recent".
  ['no Campaign attribute time, Campaign opted in', true, T0, false, null, true, 'optOutWins', false, true],
  ['no Dynamics time, Campaign newer-looking opt-in', true, null, false, T1, true, 'optOutWins', false, true],
  ['null values are "not opted out"', null, T1, null, T0, false, 'agree', false, false]
]

describe('opt-out conflict rule (both directions)', () => {
  it.each(both)('%s', (_label, d, dAt, c, cAt, value, winner, writeDynamics, writeCampaign) => {
    expect(resolveOptOut('both', { value: d, changedAt: dAt }, { value: c, changedAt: cAt })).toEqual({
      value,
      winner,
      writeDynamics,
      writeCampaign
    })
  })

  it('compares epoch milliseconds and ISO text alike', () => {
    const ms = Date.parse(T0)
    expect(resolveOptOut('both', { value: true, changedAt: ms }, { value: false, changedAt: new Date(ms + 1) }).value).toBe(false)
    expect(resolveOptOut('both', { value: true, changedAt: ms }, { value: false, changedAt: T0 }).value).toBe(true)
  })
})

describe('one-way and off', () => {
  const cases: Array<[OptOutDirection, boolean, boolean, boolean | undefined, boolean, boolean]> = [
    ['toCampaign', true, false, true, false, true],
    ['toCampaign', false, true, false, false, true], // Dynamics is the truth, even for an opt-in
    ['toDynamics', true, false, false, true, false],
    ['toDynamics', false, true, true, true, false],
    ['off', true, false, undefined, false, false]
  ]
  it.each(cases)('%s: dynamics %s, campaign %s → %s', (direction, d, c, value, writeDynamics, writeCampaign) => {
    // Timestamps do not matter one way: Campaign newer changes nothing.
    expect(resolveOptOut(direction, { value: d, changedAt: T0 }, { value: c, changedAt: T1 })).toMatchObject({
      value,
      writeDynamics,
      writeCampaign
    })
  })
})

describe('planOptOut', () => {
  it('resolves every pair with its own Campaign attribute time and the record-level Dynamics time', () => {
    const plan = planOptOut(
      'both',
      [
        { dynamics: 'donotbulkemail', campaign: 'blackListEmail' },
        { dynamics: 'donotphone', campaign: 'blackListPhone' },
        { dynamics: 'donotfax', campaign: 'blackListFax' }
      ],
      { donotbulkemail: false, donotphone: true, donotfax: false },
      T0,
      { blackListEmail: true, blackListPhone: false, blackListFax: false },
      { blackListEmail: T1, blackListPhone: T1 }
    )
    expect(plan.dynamics).toEqual({ donotbulkemail: true, donotphone: false })
    expect(plan.campaign).toEqual({})
    expect(plan.decisions.map((d) => d.winner)).toEqual(['campaign', 'campaign', 'agree'])
  })
})

describe('what a decision reports', () => {
  it('one way, the side read from is the winner when the sides differ, and nothing is said when they agree', () => {
    const opted = { value: true, changedAt: T0 }
    const notOpted = { value: false, changedAt: T1 }
    expect(resolveOptOut('toCampaign', opted, notOpted).winner).toBe('dynamics')
    expect(resolveOptOut('toDynamics', opted, notOpted).winner).toBe('campaign')
    expect(resolveOptOut('toCampaign', opted, opted).winner).toBe('agree')
    expect(resolveOptOut('toDynamics', notOpted, notOpted).winner).toBe('agree')
  })

  it('reads an opt-out sent as true, 1 or "true"; anything else is not opted out', () => {
    const pairs = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ dynamics: name, campaign: name }))
    const contact = { a: true, b: 1, c: 'true', d: 'yes', e: 0, f: 'false' }
    const plan = planOptOut('toCampaign', pairs, contact, T0, {}, {})
    expect(plan.campaign).toEqual({ a: true, b: true, c: true })
    expect(plan.decisions.map((d) => d.value)).toEqual([true, true, true, false, false, false])
  })

  it('an unreadable or infinite time is no time: Campaign is never "newer" with it', () => {
    for (const campaignAt of [Number.POSITIVE_INFINITY, Number.NaN, new Date('nope'), 'not a date', '']) {
      const decision = resolveOptOut('both', { value: true, changedAt: T0 }, { value: false, changedAt: campaignAt })
      expect(decision).toEqual({ value: true, winner: 'optOutWins', writeDynamics: false, writeCampaign: true })
    }
    // A Date keeps its milliseconds: one millisecond later is later.
    const ms = Date.parse(T0)
    expect(resolveOptOut('both', { value: true, changedAt: new Date(ms) }, { value: false, changedAt: new Date(ms + 1) }).value).toBe(false)
    expect(resolveOptOut('both', { value: true, changedAt: new Date(ms + 1) }, { value: false, changedAt: ms }).winner).toBe('dynamics')
  })
})
