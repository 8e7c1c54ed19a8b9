import type { Step } from '../steps'
import { fail, show, StepConfigError, sync, type CompiledStep, type StepContext } from './runtime'

/**
 * A Dynamics lookup read as `_parentcustomerid_value` is only a GUID; the related record's
 * columns come with `$expand` as an object under the navigation property
 * (`parentcustomerid_account: { name: … }`, or `primarycontactid: { … }`). The source must
 * expand it: see `expansionsOf` in compile.ts.
 */

/** `_parentcustomerid_value` → `parentcustomerid`; a navigation property name stays as it is. */
export function navigationOf(column: string): string {
  const m = /^_(.+)_value$/.exec(column)
  return m ? m[1] : column
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

export function lookup(step: Extract<Step, { fn: 'lookup' }>, ctx: StepContext): CompiledStep {
  const column = ctx.from[0]
  if (column === undefined) throw new StepConfigError('"lookup" needs the lookup column in "from"', [])
  const navigation = navigationOf(column)
  const path = step.field.split(/[./]/).filter(Boolean)
  if (path.length === 0) throw new StepConfigError('name the related column to take, e.g. "name"', ['field'])
  const prefix = `${navigation}_`
  return sync((v, record) => {
    let related: unknown = isObject(v) ? v : record[navigation]
    if (related === undefined) {
      // A polymorphic lookup expands under one navigation property per target table.
      for (const key in record) {
        if (key.startsWith(prefix) && isObject(record[key])) {
          related = record[key]
          break
        }
      }
    }
    if (related === undefined || related === null) {
      // Stryker disable next-line ConditionalExpression: no read or step hands on undefined (a missing column is read as null); null and '' are caught by the empty-lookup tests
      if (v === null || v === undefined || v === '') return null
      return fail(ctx, `the record carries "${column}" = ${show(v)} but not the related record — the source must expand "${navigation}"`, v)
    }
    let node: unknown = related
    for (const segment of path) {
      // Own columns only: "toString" or "__proto__" must not reach Object.prototype.
      if (!isObject(node) || !Object.hasOwn(node, segment)) return null
      node = node[segment]
    }
    return node === undefined ? null : node
  })
}
