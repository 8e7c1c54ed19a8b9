import { z } from 'zod'

/**
 * The transform steps a field mapping can chain, as they are written in a mapping file.
 * This file is the single list of step names and their arguments: the schema, the JSON
 * Schema in docs/, the canvas palette and the engine all read it.
 */

/**
 * The longest text "pad" builds: 10,000 characters, as much as "replace" reads. Padding is
 * for codes and fixed-width fields (a Dataverse single-line text column holds at most 4,000,
 * https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/stringattributemetadata);
 * without a bound, one step could build a string the size of memory for every record.
 */
export const MAX_PAD_LENGTH = 10_000

export const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()])
export type Scalar = z.infer<typeof Scalar>

const step = <F extends string, S extends z.ZodRawShape>(fn: F, shape: S, description: string) =>
  z.strictObject({ fn: z.literal(fn), ...shape }).describe(description)

export const stepSchemas = [
  step('trim', {}, 'Remove white space at both ends.'),
  step('lower', {}, 'Lower-case the text.'),
  step('upper', {}, 'Upper-case the text.'),
  step('titleCase', {}, 'Capitalise the first letter of every word.'),
  step('join', { separator: z.string().optional() }, 'Join the values of all source fields, skipping empty ones.'),
  step(
    'split',
    { separator: z.string(), index: z.number().int() },
    'Split the text and keep one part (negative index counts from the end).'
  ),
  step('substring', { start: z.number().int().min(0), length: z.number().int().min(0).optional() }, 'Keep part of the text.'),
  step(
    'replace',
    {
      pattern: z.string().min(1),
      replacement: z.string(),
      flags: z
        .string()
        .regex(/^[gimsu]*$/, 'flags may only hold g, i, m, s, u')
        .optional()
    },
    'Replace what a regular expression matches (patterns that can backtrack catastrophically are refused).'
  ),
  step(
    'pad',
    // Bounded: one record padded to millions of characters would hold the whole length in memory, for every record.
    {
      length: z.number().int().min(1).max(MAX_PAD_LENGTH),
      char: z.string().length(1).optional(),
      side: z.enum(['start', 'end']).optional()
    },
    'Pad the text to a length.'
  ),
  step('default', { value: Scalar }, 'Use a value when the input is empty or null.'),
  step('coalesce', {}, 'Take the first non-empty value among the source fields.'),
  step('constant', { value: Scalar }, 'Always write this value.'),
  step(
    'valueMap',
    {
      map: z.record(z.string(), Scalar),
      otherwise: Scalar.optional(),
      keepUnmatched: z.boolean().optional()
    },
    'Replace values through a table ("replacements"); unmatched values take `otherwise`, are kept, or fail the record.'
  ),
  step('parseNumber', { decimalSeparator: z.enum(['.', ',']).optional() }, 'Read a number from text.'),
  step(
    'formatNumber',
    { decimals: z.number().int().min(0).max(20).optional(), decimalSeparator: z.enum(['.', ',']).optional() },
    'Write a number as text.'
  ),
  step(
    'toBoolean',
    { trueValues: z.array(z.string()).optional(), falseValues: z.array(z.string()).optional() },
    'Read a boolean from text or numbers (yes/no, 1/0, true/false by default).'
  ),
  step('booleanToText', { whenTrue: Scalar, whenFalse: Scalar }, 'Write a boolean as text or an enumeration value.'),
  step(
    'parseDate',
    { format: z.string().optional(), zone: z.string().optional() },
    'Read a date or date-time (ISO by default, or a Luxon format) in a time zone (UTC by default).'
  ),
  step(
    'formatDate',
    { format: z.string(), zone: z.string().optional() },
    'Write a date: "date" (YYYY-MM-DD), "dateTime" (Campaign YYYY-MM-DD HH:MM:SS.mmmZ), "iso", or a Luxon format.'
  ),
  step(
    'optionLabel',
    { labels: z.record(z.string(), z.string()).optional() },
    'Option-set value to its label (labels from the schema unless given).'
  ),
  step(
    'optionValue',
    { values: z.record(z.string(), z.number()).optional() },
    'Option-set label to its value (values from the schema unless given).'
  ),
  step(
    'email',
    { validate: z.boolean().optional() },
    'Normalise an email address (trim, lower-case the domain) and reject malformed ones.'
  ),
  step('phone', { defaultCountry: z.string().length(2).optional() }, 'Normalise a phone number to E.164 where it can.'),
  step('lookup', { field: z.string().min(1) }, 'Take a column of the record a Dynamics lookup points to.'),
  step('truncate', { length: z.number().int().min(1).optional() }, 'Cut the text to the target length (or the given one), with a warning.'),
  step('expression', { expr: z.string().min(1) }, 'A JSONata expression over the source record, for everything else.')
] as const

export const Step = z.discriminatedUnion('fn', stepSchemas)
export type Step = z.infer<typeof Step>
export type StepName = Step['fn']

export const stepNames: readonly StepName[] = stepSchemas.map((s) => s.shape.fn.value)

export const stepDescriptions: Readonly<Record<StepName, string>> = Object.fromEntries(
  stepSchemas.map((s) => [s.shape.fn.value, s.description ?? ''])
) as Record<StepName, string>
