import { Badge, Body1, Caption1, Subtitle2 } from '@fluentui/react-components'
import { ErrorCircleFilled, WarningFilled } from '@fluentui/react-icons'
import type { MappingDocument } from '../../shared/mapping/document'
import type { Problem } from '../../shared/problems'
import { useSchemaStore } from '../state/schema-store'
import { describeProblem, plural } from './problem-words'

/** Every problem of the document (shape and schema), each pointing at its place in the user's words; a click focuses it on the canvas. */
export function ProblemsPanel({
  document,
  problems,
  onFocus
}: {
  document: MappingDocument | undefined
  problems: Problem[]
  onFocus: (problem: Problem) => void
}) {
  const tables = useSchemaStore((state) => state.tables)
  const errors = problems.filter((p) => p.severity === 'error').length
  const warnings = problems.length - errors
  const summary =
    problems.length === 0
      ? 'No problems'
      : [errors && plural(errors, 'error'), warnings && plural(warnings, 'warning')].filter(Boolean).join(', ')
  return (
    <section className="ss-panel ss-problems-panel" aria-label="Problems">
      <header className="ss-panel__header">
        <Subtitle2>Problems</Subtitle2>
        <span className="ss-problems__summary">
          {problems.length > 0 && <Caption1 className="ss-quiet">{summary}</Caption1>}
          <Badge appearance="filled" color={errors ? 'danger' : warnings ? 'warning' : 'success'} aria-label={summary}>
            {problems.length}
          </Badge>
        </span>
      </header>
      {problems.length === 0 ? (
        <Body1 className="ss-panel__quiet">No problems in this mapping.</Body1>
      ) : (
        <ul className="ss-problems">
          {problems.map((problem, index) => {
            const words = describeProblem(problem, document, tables)
            return (
              <li key={index}>
                <button
                  type="button"
                  className={`ss-problem ss-problem--${problem.severity}`}
                  onClick={() => onFocus(problem)}
                  aria-label={`${problem.severity === 'error' ? 'Error' : 'Warning'} in ${words.where}: ${words.message}`}
                >
                  <span className={`ss-problem__icon ss-problem__icon--${problem.severity}`} aria-hidden="true">
                    {problem.severity === 'error' ? <ErrorCircleFilled /> : <WarningFilled />}
                  </span>
                  <span className="ss-problem__text">
                    <Caption1 className="ss-problem__where">{words.where}</Caption1>
                    <Body1>{words.message}</Body1>
                  </span>
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </section>
  )
}
