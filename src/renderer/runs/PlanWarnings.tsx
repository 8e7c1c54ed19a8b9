/**
 * The warnings of a planned update, one line each — an opt-out conflict's label among them
 * ("Conflict: Dynamics donotbulkemail = false (changed …), Campaign blackListEmail = true
 * (changed …) → Campaign kept (true): Campaign's change is newer, …"). Two lines per warning
 * leave room for the label to wrap at the run dialog's width.
 */
export const warningLines = (warnings: readonly string[]) => warnings.length * 2

export function PlanWarnings({ warnings }: { warnings: readonly string[] }) {
  if (warnings.length === 0) return null
  return (
    <>
      {warnings.map((message, index) => (
        <div
          key={index}
          className="ssp-diff__line ssr-plan__warning"
          data-testid="plan-warning"
          title={message}
          style={{ whiteSpace: 'normal', lineHeight: '20px', maxHeight: 40, overflow: 'hidden' }}
        >
          {message}
        </div>
      ))}
    </>
  )
}
