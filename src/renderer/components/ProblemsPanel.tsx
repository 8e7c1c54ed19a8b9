import { Badge, Body1, Caption1, Subtitle2 } from '@fluentui/react-components'
import { formatPath, type Problem } from '../../shared/problems'

/** Every problem of the document (shape and schema), each pointing at its place; a click focuses it on the canvas. */
export function ProblemsPanel({ problems, onFocus }: { problems: Problem[]; onFocus: (problem: Problem) => void }) {
  const errors = problems.filter((p) => p.severity === 'error').length
  const warnings = problems.length - errors
  return (
    <section className="ss-panel ss-problems-panel" aria-label="Problems">
      <header className="ss-panel__header">
        <Subtitle2>Problems</Subtitle2>
        <span>
          <Badge appearance="filled" color={errors ? 'danger' : 'success'} aria-label={`${problems.length} problems`}>
            {problems.length}
          </Badge>
          {warnings > 0 && errors > 0 && <Caption1 className="ss-quiet"> {errors} errors, {warnings} warnings</Caption1>}
        </span>
      </header>
      {problems.length === 0 ? (
        <Body1 className="ss-panel__quiet">No problems in this mapping.</Body1>
      ) : (
        <ul className="ss-problems">
          {problems.map((problem, index) => (
            <li key={index}>
              <button type="button" className={`ss-problem ss-problem--${problem.severity}`} onClick={() => onFocus(problem)}>
                <Caption1 className="ss-problem__path">
                  {problem.severity === 'warning' ? '⚠ ' : '⛔ '}
                  {formatPath(problem.path)}
                </Caption1>
                <Body1>{problem.message}</Body1>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
