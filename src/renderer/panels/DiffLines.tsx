import { formatLiteral } from './format'

/**
 * The lines of one planned change, the same in the preview's dry run and in a run's plan:
 * the fields a create writes, the fields an update changes (old → new), and why a record
 * fails.
 */

export function CreatedFields({ fields }: { fields: ReadonlyArray<readonly [string, unknown]> }) {
  return (
    <div className="ssp-diff__line" title={fields.map(([name, value]) => `${name} = ${formatLiteral(value)}`).join('\n')}>
      {fields.map(([name, value]) => (
        <span key={name} className="ssp-diff__pair">
          <span className="ssp-quiet">{name}</span> {formatLiteral(value)}
        </span>
      ))}
    </div>
  )
}

export function ChangedFields({
  changes,
  createOnlySkipped,
  limit = Infinity
}: {
  changes: ReadonlyArray<{ field: string; old: unknown; new: unknown }>
  createOnlySkipped: readonly string[]
  limit?: number
}) {
  return (
    <>
      {changes.length === 0 && <div className="ssp-diff__line ssp-quiet">No field changes.</div>}
      {changes.slice(0, limit).map((change) => (
        <div key={change.field} className="ssp-diff__line ssp-diff__change">
          <span className="ssp-diff__field">{change.field}</span>
          <span className="ssp-diff__old">{formatLiteral(change.old)}</span>
          <span aria-hidden="true">→</span>
          <span className="ssp-diff__new">{formatLiteral(change.new)}</span>
        </div>
      ))}
      {changes.length > limit && <div className="ssp-diff__line ssp-quiet">…and {changes.length - limit} more fields</div>}
      {createOnlySkipped.length > 0 && (
        <div className="ssp-diff__line ssp-quiet">Written only on create, left as they are: {createOnlySkipped.join(', ')}</div>
      )}
    </>
  )
}

export function FailedField({ field, step, reason, input }: { field?: string; step?: number; reason?: string; input: unknown }) {
  return (
    <div className="ssp-diff__line ssp-diff__error" title={reason}>
      <strong>{field}</strong>
      {step !== undefined ? ` · step ${step + 1}` : ''}: {reason} <span className="ssp-quiet">(input {formatLiteral(input)})</span>
    </div>
  )
}
