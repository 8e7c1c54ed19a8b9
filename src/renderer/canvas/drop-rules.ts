import type { Field } from '../../shared/schema/model'
import { isLinkField } from '../../shared/mapping/links'

/**
 * What a drag from a source field onto a target field may do: map it, link it (a lookup or
 * id onto a link field), or nothing. The canvas asks this while the user drags (the target
 * connector turns green or red) and again on the drop, whether it lands on the connector or
 * anywhere on the field's row.
 */

/** Source types that can name a parent record: a Dynamics lookup or a record id. */
const parentIdTypes = new Set<Field['type']>(['lookup', 'uniqueidentifier', 'unknown'])

export type DropRule = { kind: 'map' } | { kind: 'link' } | { kind: 'refused'; reason: string }

/** `source` and `target` are undefined while their schema loads (or for Campaign events, which have none): then anything maps. */
export function dropRule(source: Field | undefined, target: Field | undefined): DropRule {
  if (isLinkField(target)) {
    if (source && !parentIdTypes.has(source.type) && !source.isKey)
      return { kind: 'refused', reason: `"${target!.displayName}" is a link: drop a lookup or an id on it, not a ${source.type}` }
    return { kind: 'link' }
  }
  if (target?.readOnly) return { kind: 'refused', reason: `"${target.displayName}" is read-only` }
  return { kind: 'map' }
}
