import { z } from 'zod'
import { Scalar } from './steps'

/**
 * A filter is a tree: `all` / `any` / `not` around conditions on source fields. The engine
 * pushes what Dataverse can evaluate into OData $filter and evaluates the rest locally.
 */

const field = z.string().min(1)

/**
 * The most days "lastXDays" looks back: 10,000 years, further back than any date Dynamics stores
 * (1753 to 9999: https://learn.microsoft.com/openspecs/windows_protocols/mc-csdl/0d84a8c8-5f14-4567-b9b7-651f69c13df8).
 * Dataverse's LastXDays takes an integer (Edm.Int64,
 * https://learn.microsoft.com/previous-versions/dynamicscrm-2016/developers-guide/mt607718(v=crm.8));
 * a number past 2^53 would be sent as "1e+21", which is none.
 */
export const MAX_LAST_DAYS = 3_652_425

export const comparisonOps = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'contains', 'startsWith', 'endsWith'] as const

export const Condition = z.discriminatedUnion('op', [
  z.strictObject({ field, op: z.enum(comparisonOps), value: Scalar }),
  z.strictObject({ field, op: z.enum(['in', 'notIn']), values: z.array(Scalar).min(1) }),
  z.strictObject({ field, op: z.enum(['null', 'notNull']) }),
  z.strictObject({ field, op: z.literal('lastXDays'), days: z.number().int().min(1).max(MAX_LAST_DAYS) }),
  z.strictObject({ field, op: z.literal('between'), from: Scalar, to: Scalar })
])
export type Condition = z.infer<typeof Condition>
export type FilterOp = Condition['op']

export const filterOps: readonly FilterOp[] = [...comparisonOps, 'in', 'notIn', 'null', 'notNull', 'lastXDays', 'between']

export type Filter = Condition | { all: Filter[] } | { any: Filter[] } | { not: Filter }

export const Filter: z.ZodType<Filter> = z.lazy(() =>
  z.union([z.strictObject({ all: z.array(Filter) }), z.strictObject({ any: z.array(Filter) }), z.strictObject({ not: Filter }), Condition])
)
