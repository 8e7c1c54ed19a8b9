import { Badge, Body1, Caption1, Subtitle2 } from '@fluentui/react-components'
import { formatPath, type Problem } from '../../shared/problems'

/** Every problem of the document, each pointing at its place; a click focuses its flow. */
export function ProblemsPanel({ problems, onFocus }: { problems: Problem[]; onFocus: (problem: Problem) => void }) {
  return (
    <section className="ss-panel" aria-label="Problems">
      <header className="ss-panel__header">
        <Subtitle2>Problems</Subtitle2>
        <Badge appearance="filled" color={problems.length ? 'danger' : 'success'} aria-label={`${problems.length} problems`}>
          {problems.length}
        </Badge>
      </header>
      {problems.length === 0 ? (
        <Body1 className="ss-panel__quiet">No problems in this mapping.</Body1>
      ) : (
        <ul className="ss-problems">
          {problems.map((problem, index) => (
            <li key={index}>
              <button type="button" className="ss-problem" onClick={() => onFocus(problem)}>
                <Caption1 className="ss-problem__path">{formatPath(problem.path)}</Caption1>
                <Body1>{problem.message}</Body1>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
