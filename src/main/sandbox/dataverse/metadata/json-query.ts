import { DataverseError, errors } from '../errors'
import type { Expr, Literal, Operand } from '../odata/filter-ast'
import { parseFilter } from '../odata/filter-parser'
import { splitTopLevel } from '../odata/query-options'

/**
 * $select/$filter/$expand over metadata JSON. Metadata filters work on primitive, enum and
 * managed-property paths (`RequiredLevel/Value eq Microsoft.Dynamics.CRM.AttributeRequiredLevel'None'`).
 */
type Json = Record<string, unknown>

function pathValue(obj: Json, path: string[], typeName: string): unknown {
  let current: unknown = obj
  for (const part of path) {
    if (!current || typeof current !== 'object' || !(part in (current as Json))) {
      throw errors.propertyNotFound(part, typeName)
    }
    current = (current as Json)[part]
  }
  return current
}

function literalValue(literal: Literal): unknown {
  return literal.type === 'array' ? literal.value.map(literalValue) : literal.value
}

function operandValue(operand: Operand, obj: Json, typeName: string): unknown {
  return operand.k === 'lit' ? literalValue(operand.lit) : pathValue(obj, operand.path, typeName)
}

function normalize(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value
}

export function jsonPredicate(filter: string, aliases: Record<string, string>, typeName: string): (obj: Json) => boolean {
  const expr = parseFilter(filter, aliases)
  const evaluate = (e: Expr, obj: Json): boolean => {
    switch (e.k) {
      case 'and':
        return evaluate(e.l, obj) && evaluate(e.r, obj)
      case 'or':
        return evaluate(e.l, obj) || evaluate(e.r, obj)
      case 'not':
        return !evaluate(e.e, obj)
      case 'cmp': {
        const a = normalize(operandValue(e.l, obj, typeName))
        const b = normalize(operandValue(e.r, obj, typeName))
        if (e.op === 'eq') return a === b
        if (e.op === 'ne') return a !== b
        if (a === null || b === null || a === undefined || b === undefined) return false
        const x = a as number
        const y = b as number
        return e.op === 'gt' ? x > y : e.op === 'ge' ? x >= y : e.op === 'lt' ? x < y : x <= y
      }
      case 'fn': {
        const value = operandValue(e.args[0], obj, typeName)
        const needle = String(operandValue(e.args[1], obj, typeName)).toLowerCase()
        if (typeof value !== 'string') return false
        const hay = value.toLowerCase()
        return e.name === 'contains' ? hay.includes(needle) : e.name === 'startswith' ? hay.startsWith(needle) : hay.endsWith(needle)
      }
      default:
        throw new DataverseError(400, '0x0', 'Only comparisons, and/or/not and string functions are supported in metadata queries.')
    }
  }
  // Validate property names once against an empty-ish object would miss nested ones; validate lazily per item.
  return (obj) => evaluate(expr, obj)
}

export function applySelect(obj: Json, select: string[] | undefined, allowed: Set<string>, typeName: string): Json {
  if (!select) return obj
  for (const name of select) if (!allowed.has(name)) throw errors.propertyNotFound(name, typeName)
  const out: Json = {}
  if ('@odata.type' in obj) out['@odata.type'] = obj['@odata.type']
  out.MetadataId = obj.MetadataId
  for (const name of select) if (name in obj) out[name] = obj[name]
  return out
}

export interface MetadataExpand {
  name: string
  select?: string[]
  filter?: string
}

export function parseMetadataExpand(text: string | undefined): MetadataExpand[] {
  if (!text) return []
  return splitTopLevel(text, ',').map((term) => {
    const open = term.indexOf('(')
    if (open < 0) return { name: term }
    const result: MetadataExpand = { name: term.slice(0, open).trim() }
    for (const option of splitTopLevel(term.slice(open + 1, -1), ';')) {
      const eq = option.indexOf('=')
      const key = option.slice(0, eq).trim()
      const value = option.slice(eq + 1).trim()
      if (key === '$select') result.select = value.split(',').map((s) => s.trim())
      else if (key === '$filter') result.filter = value
      else throw new DataverseError(400, '0x0', `The query option ${key} is not supported inside $expand of metadata.`)
    }
    return result
  })
}

/** `Attributes(LogicalName,MaxLength)` / `OptionSet(Options)` pieces of an @odata.context. */
export function contextShape(select: string[] | undefined, expands: MetadataExpand[]): string {
  const parts = [...(select ?? []), ...expands.map((e) => `${e.name}(${(e.select ?? []).join(',')})`)]
  return parts.length ? `(${parts.join(',')})` : ''
}
