// The privacy promises of the opt-out flow (docs/sync.md, "The opt-out rule"), for every value
// and every timestamp: a one-way sync never writes into the side it reads from, "off" writes
// nothing, and in both directions an opt-out is only ever cleared by a newer Campaign change.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { planOptOut, resolveOptOut, type OptOutSide } from '../../src/main/sync/opt-out-rule'

const value = fc.constantFrom<OptOutSide['value']>(true, false, null, undefined)
const changedAt = fc.oneof(
  fc.constantFrom<OptOutSide['changedAt']>(null, undefined, '', 'not a date'),
  fc.integer({ min: 0, max: 4_000_000_000_000 }),
  fc.integer({ min: 0, max: 4_000_000_000_000 }).map((ms) => new Date(ms).toISOString())
)
const side = fc.record({ value, changedAt })
const millis = (at: OptOutSide['changedAt']) => (at === null || at === undefined || at === '' ? NaN : new Date(at).getTime())

describe('opt-out privacy rules, for any values and times', () => {
  it('Dynamics → Campaign never writes into Dynamics, and Campaign ends with the Dynamics value', () => {
    fc.assert(
      fc.property(side, side, (dynamics, campaign) => {
        const decision = resolveOptOut('toCampaign', dynamics, campaign)
        expect(decision.writeDynamics).toBe(false)
        expect(decision.value).toBe(dynamics.value === true)
        expect(decision.writeCampaign).toBe((dynamics.value === true) !== (campaign.value === true))
      })
    )
  })

  it('Campaign → Dynamics never writes into Campaign, and Dynamics ends with the Campaign value', () => {
    fc.assert(
      fc.property(side, side, (dynamics, campaign) => {
        const decision = resolveOptOut('toDynamics', dynamics, campaign)
        expect(decision.writeCampaign).toBe(false)
        expect(decision.value).toBe(campaign.value === true)
        expect(decision.writeDynamics).toBe((dynamics.value === true) !== (campaign.value === true))
      })
    )
  })

  it('off writes nothing on either side', () => {
    fc.assert(
      fc.property(side, side, (dynamics, campaign) => {
        expect(resolveOptOut('off', dynamics, campaign)).toEqual({
          value: undefined,
          winner: 'none',
          writeDynamics: false,
          writeCampaign: false
        })
      })
    )
  })

  it('both ways: an opt-out on either side is cleared only by a strictly newer Campaign change', () => {
    fc.assert(
      fc.property(side, side, (dynamics, campaign) => {
        const decision = resolveOptOut('both', dynamics, campaign)
        const campaignNewer = millis(campaign.changedAt) > millis(dynamics.changedAt)
        if (dynamics.value === true || campaign.value === true) {
          expect(decision.value).toBe(campaignNewer ? campaign.value === true : true)
        } else expect(decision.value).toBe(false)
        // Each side is written exactly when it differs from the outcome.
        expect(decision.writeDynamics).toBe(decision.value !== (dynamics.value === true))
        expect(decision.writeCampaign).toBe(decision.value !== (campaign.value === true))
      })
    )
  })

  it('a whole contact planned one way touches only the other side', () => {
    const pairs = [
      { dynamics: 'donotbulkemail', campaign: 'blackListEmail' },
      { dynamics: 'donotphone', campaign: 'blackListPhone' }
    ]
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (d1, d2, c1, c2) => {
        const contact = { donotbulkemail: d1, donotphone: d2 }
        const profile = { blackListEmail: c1, blackListPhone: c2 }
        const toCampaign = planOptOut('toCampaign', pairs, contact, 0, profile, {})
        expect(toCampaign.dynamics).toEqual({})
        expect({ ...profile, ...toCampaign.campaign }).toEqual({ blackListEmail: d1, blackListPhone: d2 })
        const toDynamics = planOptOut('toDynamics', pairs, contact, 0, profile, {})
        expect(toDynamics.campaign).toEqual({})
        expect({ ...contact, ...toDynamics.dynamics }).toEqual({ donotbulkemail: c1, donotphone: c2 })
      })
    )
  })
})
