import { z } from 'zod'
import { Scalar } from './steps'

/**
 * A filter is a tree: `all` / `any` / `not` around conditions on source fields. The engine
 * pushes what Dataverse can evaluate into OData $filter and evaluates the rest locally.
 */

const field = z.string().min(1)

export const comparisonOps = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'contains', 'startsWith', 'endsWith'] as const

export const Condition = z.discriminatedUnion('op', [
  z.strictObject({ field, op: z.enum(comparisonOps), value: Scalar }),
  z.strictObject({ field, op: z.enum(['in', 'notIn']), values: z.array(Scalar).min(1) }),
  z.strictObject({ field, op: z.enum(['null', 'notNull']) }),
  z.strictObject({ field, op: z.literal('lastXDays'), days: z.number().int().min(1) }),
  z.strictObject({ field, op: z.literal('between'), from: Scalar, to: Scalar })
])
export type Condition = z.infer<typeof Condition>
export type FilterOp = Condition['op']

export const filterOps: readonly FilterOp[] = [...comparisonOps, 'in', 'notIn', 'null', 'notNull', 'lastXDays', 'between']

export type Filter = Condition | { all: Filter[] } | { any: Filter[] } | { not: Filter }

export const Filter: z.ZodType<Filter> = z.lazy(() =>
  z.union([z.strictObject({ all: z.array(Filter) }), z.strictObject({ any: z.array(Filter) }), z.strictObject({ not: Filter }), Condition])
)
