import type { PathSegment, Problem } from '../problems'
import type { MappingDocument } from './document'
import { zoneOrThrow } from './transforms/dates'
import { checkExpression } from './transforms/expression'
import { checkPattern, PatternBudget } from './transforms/regex'
import { StepConfigError } from './transforms/runtime'

/**
 * The step arguments that can be checked without either system's schema: regular
 * expressions (the linear-time engine's syntax), JSONata expressions (parsed, not run) and
 * time zones. `validate` finds them with their JSON paths instead of a preview or run
 * finding them later. Checks that need a schema (lengths, option sets) are validate-flow.ts's.
 */
export function checkStepArguments(document: MappingDocument): Problem[] {
  const problems: Problem[] = []
  // The document's regular expressions together compile to a bounded program (regex.ts).
  const patterns = new PatternBudget()
  document.flows.forEach((flow, flowIndex) => {
    if (flow.kind === 'optOut') return
    flow.fields.forEach((field, fieldIndex) => {
      // Stryker disable next-line ArrayDeclaration: a field without steps has nothing to check, and a made-up step matches no branch below
      ;(field.steps ?? []).forEach((step, stepIndex) => {
        const at = (...rest: PathSegment[]): PathSegment[] => ['flows', flowIndex, 'fields', fieldIndex, 'steps', stepIndex, ...rest]
        const add = (path: PathSegment[], message: string) => problems.push({ severity: 'error', path, message })
        if (step.fn === 'replace') {
          // Stryker disable next-line StringLiteral: "g" only makes the compiled pattern replace every match; whether it compiles does not depend on it
          const check = checkPattern(step.pattern, step.flags ?? 'g', patterns)
          // Stryker disable next-line StringLiteral: a failed check always carries its message; the fallback is never shown
          if (!check.ok) add(at('pattern'), check.message ?? 'invalid pattern')
        } else if (step.fn === 'expression') {
          const check = checkExpression(step.expr)
          // Stryker disable next-line StringLiteral: a failed check always carries its message; the fallback is never shown
          if (!check.ok) add(at('expr'), check.message ?? 'invalid expression')
        } else if ((step.fn === 'parseDate' || step.fn === 'formatDate') && step.zone !== undefined) {
          try {
            zoneOrThrow(step.zone, 'zone')
          } catch (error) {
            // Stryker disable next-line ConditionalExpression: zoneOrThrow throws nothing but a StepConfigError; the rethrow guards against a future change
            if (!(error instanceof StepConfigError)) throw error
            add(at(...error.at), error.message)
          }
        }
      })
    })
  })
  return problems
}
