/**
 * The opt-out directions in words — one text for the mapping file's schema, the Inspector,
 * the run notes and docs/sync.md, so what the app says a mode does is what the rule
 * (`src/main/sync/opt-out-rule.ts`) does. Both ways is Adobe's documented rule for the
 * Campaign Standard ↔ Dynamics 365 integration, quoted in docs/sync.md ("Opt-outs").
 */

export type OptOutDirectionName = 'off' | 'toCampaign' | 'toDynamics' | 'both'

export interface OptOutModeText {
  /** Short name, as in a menu. */
  title: string
  /** Each way values move: from → to, or nothing. */
  ways: ReadonlyArray<{ from: 'Dynamics' | 'Campaign'; to: 'Dynamics' | 'Campaign' }>
  /** The rule, in a sentence or two a consultant can read out to a client. */
  rule: string
}

export const bothWaysRule =
  "If Campaign's change is newer, Campaign's value wins. If Dynamics' change is newer, or both changed at the same time, opt-out wins: a contact opted out on either side stays opted out. Campaign's time is the field's own change time; Dynamics' is the contact's last modification (any field). A missing time counts as a tie."

export const optOutModes: Record<OptOutDirectionName, OptOutModeText> = {
  off: { title: 'Off', ways: [], rule: 'Nothing moves between Dynamics and Campaign.' },
  toCampaign: {
    title: 'Dynamics → Campaign',
    ways: [{ from: 'Dynamics', to: 'Campaign' }],
    rule: "Dynamics is the source of truth: its value is copied to Campaign; Campaign's changes are overwritten. No times are compared."
  },
  toDynamics: {
    title: 'Campaign → Dynamics',
    ways: [{ from: 'Campaign', to: 'Dynamics' }],
    rule: "Campaign is the source of truth: its value is copied to Dynamics; Dynamics' changes are overwritten. No times are compared."
  },
  both: {
    title: 'Both ways',
    ways: [
      { from: 'Dynamics', to: 'Campaign' },
      { from: 'Campaign', to: 'Dynamics' }
    ],
    rule: bothWaysRule
  }
}

/** The schema's description of `direction`. */
export const directionDescription = `off: nothing moves. toCampaign / toDynamics: one side's value is copied to the other. both: ${bothWaysRule}`
