import type { PathSegment } from '../problems'

/**
 * The keys a JSON Schema allows on the object at a path, over every shape the value may take
 * there (`anyOf`/`oneOf`, `$ref` into `$defs`, array items, record values): what "did you mean"
 * may suggest for an unknown key at that place, and nothing from elsewhere in the format.
 */

type Node = Record<string, unknown>

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value)

/** The shapes a schema node stands for: its `$ref` followed, its alternatives spread out. */
function shapes(root: Node, node: unknown, seen: Set<unknown> = new Set()): Node[] {
  // A recursive schema (filters hold filters) refers back to itself: each node is spread once.
  if (!isNode(node) || seen.has(node)) return []
  seen.add(node)
  const ref = typeof node.$ref === 'string' ? resolve(root, node.$ref) : undefined
  const alternatives = [node.anyOf, node.oneOf, node.allOf].flatMap((list) => (Array.isArray(list) ? list : []))
  return [node, ...shapes(root, ref, seen), ...alternatives.flatMap((alternative) => shapes(root, alternative, seen))]
}

/** `#/$defs/name` (the only form zod writes). */
function resolve(root: Node, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, part) => (isNode(node) ? node[part] : undefined), root)
}

function child(node: Node, segment: PathSegment): unknown {
  if (typeof segment === 'number') return node.items
  const properties = isNode(node.properties) ? node.properties : {}
  return Object.hasOwn(properties, segment)
    ? properties[segment]
    : isNode(node.additionalProperties)
      ? node.additionalProperties
      : undefined
}

export function keysAt(schema: Node, path: readonly PathSegment[]): string[] {
  let nodes = [schema]
  for (const segment of path) nodes = nodes.flatMap((node) => shapes(schema, node).map((shape) => child(shape, segment))).filter(isNode)
  const keys = nodes
    .flatMap((node) => shapes(schema, node))
    .flatMap((shape) => (isNode(shape.properties) ? Object.keys(shape.properties) : []))
  return [...new Set(keys)]
}
