/**
 * Adobe's documented opt-out conflict rule, for a Dynamics boolean ↔ a Campaign
 * denyList… / blackList… field (https://experienceleague.adobe.com/en/docs/campaign-standard/using/integrating-with-adobe-cloud/campaign-and-microsoft-dynamics-365/d365-acs-notices-and-recommendations):
 *
 *   "compares timestamps between the two systems (record-level change in Dynamics 365,
 *    attribute-level change in Campaign) to determine which system prevails."
 *   "If Campaign contains the more recent timestamp, then the Campaign value prevails. If
 *    Dynamics 365 contains the more recent timestamp or if they are equal, then
 *    opt-out=TRUE will win (assuming one of the values is TRUE)."
 *
 * Our reading where the text is silent:
 *  - A missing or unreadable timestamp on either side means Campaign is NOT shown to be
 *    more recent, so the tie rule applies and an opt-out on either side wins. Failing
 *    towards "do not contact" is the safe side of a privacy rule.
 *  - null / missing values are "not opted out" (false).
 *  - Timestamps compare at millisecond precision, after parsing ISO text or epoch ms.
 *  - One direction only: the source side's value is copied, no timestamps consulted.
 * Pure: no I/O, no clock.
 */

export type OptOutDirection = 'off' | 'toCampaign' | 'toDynamics' | 'both'

export interface OptOutSide {
  value: boolean | null | undefined
  /** Dynamics: the record's `modifiedon`; Campaign: this attribute's own change time. ISO text or epoch ms. */
  changedAt: string | number | Date | null | undefined
}

export type OptOutWinner = 'campaign' | 'dynamics' | 'optOutWins' | 'agree' | 'none'

export interface OptOutDecision {
  /** The value both sides should hold after the sync (undefined when direction is off). */
  value: boolean | undefined
  /** Why: Campaign newer, Dynamics newer or tie, opt-out on a tie, values agree, or nothing to do. */
  winner: OptOutWinner
  writeDynamics: boolean
  writeCampaign: boolean
}

export function toMillis(value: OptOutSide['changedAt']): number | undefined {
  // Text (ISO) is parsed; null, undefined, '' and unreadable text parse to NaN, i.e. no time.
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(String(value))
  return Number.isFinite(ms) ? ms : undefined
}

/** Which side changed last, by Dynamics' record time and Campaign's attribute time. */
export function newerSide(dynamicsAt: OptOutSide['changedAt'], campaignAt: OptOutSide['changedAt']): OptOutConflict['rule'] {
  const dAt = toMillis(dynamicsAt)
  const cAt = toMillis(campaignAt)
  if (dAt === undefined || cAt === undefined) return 'timeMissing'
  return cAt > dAt ? 'campaignNewer' : dAt > cAt ? 'dynamicsNewer' : 'sameTime'
}

export function resolveOptOut(direction: OptOutDirection, dynamics: OptOutSide, campaign: OptOutSide): OptOutDecision {
  const d = dynamics.value === true
  const c = campaign.value === true
  const winnerOf = (winner: OptOutWinner): OptOutWinner => (d === c ? 'agree' : winner)
  switch (direction) {
    case 'off':
      return { value: undefined, winner: 'none', writeDynamics: false, writeCampaign: false }
    // One way: the side read from is never written, whatever the values (a privacy promise,
    // docs/sync.md) — said here per direction rather than derived from the values.
    case 'toCampaign':
      return { value: d, winner: winnerOf('dynamics'), writeDynamics: false, writeCampaign: d !== c }
    case 'toDynamics':
      return { value: c, winner: winnerOf('campaign'), writeDynamics: c !== d, writeCampaign: false }
    case 'both': {
      const newer = newerSide(dynamics.changedAt, campaign.changedAt)
      const decide = (value: boolean, winner: OptOutWinner): OptOutDecision => ({
        value,
        winner: winnerOf(winner),
        writeDynamics: value !== d,
        writeCampaign: value !== c
      })
      if (newer === 'campaignNewer') return decide(c, 'campaign')
      // Dynamics newer, same time, or a time missing: opt-out = TRUE wins if either side is TRUE.
      if (!d && !c) return { value: false, winner: 'agree', writeDynamics: false, writeCampaign: false }
      return decide(true, d && newer === 'dynamicsNewer' ? 'dynamics' : 'optOutWins')
    }
  }
}

export interface OptOutPairValues {
  dynamics: string
  campaign: string
}

export interface OptOutPlan {
  /** Dynamics columns to set (empty: nothing to write). */
  dynamics: Record<string, boolean>
  /** Campaign fields to set (empty: nothing to write). */
  campaign: Record<string, boolean>
  decisions: Array<{ pair: OptOutPairValues; conflict?: OptOutConflict } & OptOutDecision>
}

/**
 * Every pair of one contact ↔ profile: what to write on each side. `campaignChangedAt`
 * gives each Campaign attribute's own change time (by field name); Dynamics has one
 * record-level time.
 */
export function planOptOut(
  direction: OptOutDirection,
  pairs: readonly OptOutPairValues[],
  contact: Readonly<Record<string, unknown>>,
  contactModifiedOn: OptOutSide['changedAt'],
  profile: Readonly<Record<string, unknown>>,
  campaignChangedAt: Readonly<Record<string, OptOutSide['changedAt']>>
): OptOutPlan {
  const plan: OptOutPlan = { dynamics: {}, campaign: {}, decisions: [] }
  for (const pair of pairs) {
    const dynamicsSide: OptOutSide = { value: asBool(contact[pair.dynamics]), changedAt: contactModifiedOn }
    const campaignSide: OptOutSide = { value: asBool(profile[pair.campaign]), changedAt: campaignChangedAt[pair.campaign] }
    const decision = resolveOptOut(direction, dynamicsSide, campaignSide)
    const conflict = conflictOf(direction, pair, dynamicsSide, campaignSide, decision)
    plan.decisions.push({ pair, ...decision, conflict })
    // A side is written only when the decision says so ("off" never does), with the decided value.
    if (decision.writeDynamics) plan.dynamics[pair.dynamics] = decision.value === true
    if (decision.writeCampaign) plan.campaign[pair.campaign] = decision.value === true
  }
  return plan
}

function asBool(value: unknown): boolean {
  return value === true || value === 1 || value === 'true'
}

/** A pair whose two sides disagree when syncing both ways: one side is overwritten, and the plan says why. */
export interface OptOutConflict {
  pair: OptOutPairValues
  dynamics: { value: boolean; changedAt: string | undefined }
  campaign: { value: boolean; changedAt: string | undefined }
  /** The side whose value both sides hold afterwards. */
  kept: 'dynamics' | 'campaign'
  value: boolean
  /**
   * Which part of the rule decided: Campaign newer, Dynamics newer, same time, or a time missing
   * (both ways); `oneWay`: the flow copies one side onto the other, so the source side is kept.
   */
  rule: 'campaignNewer' | 'dynamicsNewer' | 'sameTime' | 'timeMissing' | 'oneWay'
}

function isoOf(value: OptOutSide['changedAt']): string | undefined {
  const ms = toMillis(value)
  return ms === undefined ? undefined : new Date(ms).toISOString()
}

/**
 * The conflict a decision settled, or undefined when the sides agree or the flow is off. One
 * way, a difference is settled by the direction: the other side's value is overwritten — an
 * opt-out cleared that way must be as visible as one a both-ways rule cleared.
 */
export function conflictOf(
  direction: OptOutDirection,
  pair: OptOutPairValues,
  dynamics: OptOutSide,
  campaign: OptOutSide,
  decision: OptOutDecision
): OptOutConflict | undefined {
  const d = dynamics.value === true
  const c = campaign.value === true
  if (direction === 'off' || d === c) return undefined
  // Other than off, the decision always holds a value.
  const value = decision.value === true
  return {
    pair,
    dynamics: { value: d, changedAt: isoOf(dynamics.changedAt) },
    campaign: { value: c, changedAt: isoOf(campaign.changedAt) },
    kept: value === c ? 'campaign' : 'dynamics',
    value,
    rule: direction === 'both' ? newerSide(dynamics.changedAt, campaign.changedAt) : 'oneWay'
  }
}

const ruleWords: Record<OptOutConflict['rule'], string> = {
  campaignNewer: "Campaign's change is newer, so Campaign's value wins",
  dynamicsNewer: "Dynamics' change is newer, so opt-out wins",
  sameTime: 'both changed at the same time, so opt-out wins',
  timeMissing: 'a change time is missing (counted as a tie), so opt-out wins',
  oneWay: 'the flow syncs one way, so the other side is overwritten'
}

/** `at` comes from `toISOString()` (YYYY-MM-DDTHH:mm:ss.sssZ): shown without the Z, and without milliseconds when they are 0. */
function when(at: string | undefined): string {
  if (!at) return 'change time unknown'
  const [date, time] = at.slice(0, -1).split('T')
  return `changed ${date} ${time.endsWith('.000') ? time.slice(0, -4) : time} UTC`
}

/**
 * The plan's label of a conflict: both sides' values and times, the side kept and the rule
 * that kept it — e.g. "Conflict: Dynamics donotbulkemail = false (changed 2026-12-06 09:00:00
 * UTC), Campaign blackListEmail = true (changed 2026-12-06 10:00:00 UTC) → Campaign kept
 * (true): Campaign's change is newer, so Campaign's value wins".
 */
export function conflictLabel(conflict: OptOutConflict): string {
  const side = conflict.kept === 'campaign' ? 'Campaign' : 'Dynamics'
  return (
    `Conflict: Dynamics ${conflict.pair.dynamics} = ${conflict.dynamics.value} (${when(conflict.dynamics.changedAt)}), ` +
    `Campaign ${conflict.pair.campaign} = ${conflict.campaign.value} (${when(conflict.campaign.changedAt)}) → ${side} kept (${conflict.value}): ${ruleWords[conflict.rule]}`
  )
}

const ruleShort: Record<OptOutConflict['rule'], string> = {
  campaignNewer: "Campaign's change newer",
  dynamicsNewer: "Dynamics' change newer (opt-out wins)",
  sameTime: 'same time (opt-out wins)',
  timeMissing: 'a time missing (opt-out wins)',
  oneWay: 'one way (the source side written)'
}

/** How many conflicts went which way, by side kept and by rule: `tally` a conflict at a time, `text` for the run's summary. */
export class ConflictTally {
  total = 0
  readonly kept = { dynamics: 0, campaign: 0 }
  readonly byRule: Partial<Record<OptOutConflict['rule'], number>> = {}
  /** Conflicts settled to false: an opt-out on one side cleared (the contact may be emailed again). */
  cleared = 0

  /** Counts these instead (the conflicts a run's journal holds, read once it ended). */
  reset(conflicts: ReadonlyArray<Parameters<ConflictTally['add']>[0]>): void {
    this.total = 0
    this.kept.dynamics = 0
    this.kept.campaign = 0
    for (const rule of Object.keys(this.byRule) as Array<OptOutConflict['rule']>) delete this.byRule[rule]
    this.cleared = 0
    for (const conflict of conflicts) this.add(conflict)
  }

  add(conflict: Pick<OptOutConflict, 'kept' | 'rule'> & { dynamics: { value: boolean }; campaign: { value: boolean } }): void {
    this.total++
    this.kept[conflict.kept]++
    this.byRule[conflict.rule] = (this.byRule[conflict.rule] ?? 0) + 1
    if (!conflict[conflict.kept].value) this.cleared++
  }

  /**
   * "3 opt-out conflicts resolved: 2 kept Campaign's value, 1 kept Dynamics' value — by rule:
   * 2 Campaign's change newer, 1 same time (opt-out wins); 2 cleared an opt-out (true → false)";
   * a plan says "would be resolved"; a run that stopped early (`stopped`) says "resolved before
   * the run failed" (or "was canceled") — it has not read every pair, so never that they agreed.
   */
  text(dryRun: boolean, stopped?: 'failed' | 'canceled'): string {
    const early = stopped && !dryRun ? ` before the run ${stopped === 'failed' ? 'failed' : 'was canceled'}` : ''
    if (this.total === 0)
      return early
        ? `no opt-out conflict resolved${early}`
        : `no opt-out conflict ${dryRun ? 'to resolve' : 'resolved'}: Dynamics and Campaign agreed on every opt-out`
    const s = this.total === 1 ? '' : 's'
    const rules = (Object.keys(ruleShort) as Array<OptOutConflict['rule']>)
      .filter((rule) => this.byRule[rule])
      .map((rule) => `${this.byRule[rule]} ${ruleShort[rule]}`)
    return (
      `${this.total} opt-out conflict${s} ${dryRun ? 'would be resolved' : `resolved${early}`}: ` +
      `${this.kept.campaign} kept Campaign's value, ${this.kept.dynamics} kept Dynamics' value — by rule: ${rules.join(', ')}` +
      (this.cleared ? `; ${this.cleared} ${dryRun ? 'would clear' : 'cleared'} an opt-out (true → false)` : '')
    )
  }
}
