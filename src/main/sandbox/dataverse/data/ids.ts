import { rowRandom } from '../../common/random'

/**
 * Ids of generated rows encode their row index, so a 1,000,000-row table can answer
 * `contacts(<guid>)` without holding an index: decode the index, regenerate, compare.
 * The first three groups are seeded noise so ids still look like GUIDs.
 */
function tableOffset(seed: number, table: string): number {
  const random = rowRandom(seed, `${table}#offset`, 0)
  // 2^40 range keeps (offset + index) well inside Number.MAX_SAFE_INTEGER and 12 hex digits.
  return Math.floor(random() * 2 ** 40)
}

const offsets = new Map<string, number>()
function offsetFor(seed: number, table: string): number {
  const key = `${seed}:${table}`
  let offset = offsets.get(key)
  if (offset === undefined) {
    offset = tableOffset(seed, table)
    offsets.set(key, offset)
  }
  return offset
}

export function generatedId(seed: number, table: string, index: number): string {
  const random = rowRandom(seed, `${table}#id`, index)
  const hex = (digits: number) =>
    Math.floor(random() * 16 ** digits)
      .toString(16)
      .padStart(digits, '0')
  const tail = (offsetFor(seed, table) + index).toString(16).padStart(12, '0')
  const variant = (8 + Math.floor(random() * 4)).toString(16)
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${tail}`
}

/** The generated row index an id stands for, or undefined when it is not a generated id. */
export function indexOfGeneratedId(seed: number, table: string, id: string, count: number): number | undefined {
  const tail = id.slice(24)
  if (!/^[0-9a-f]{12}$/.test(tail)) return undefined
  const index = parseInt(tail, 16) - offsetFor(seed, table)
  if (!(index >= 0 && index < count)) return undefined
  return generatedId(seed, table, index) === id ? index : undefined
}

export const guidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/** Stable GUID from a name (metadata ids must not change between launches). */
export function nameGuid(name: string): string {
  let h1 = 0x811c9dc5
  let h2 = 0x12345678
  for (let i = 0; i < name.length; i++) {
    h1 = Math.imul(h1 ^ name.charCodeAt(i), 16777619) >>> 0
    h2 = Math.imul(h2 ^ name.charCodeAt(i), 2246822507) >>> 0
  }
  const random = rowRandom(h1, name, h2)
  const hex = (digits: number) =>
    Math.floor(random() * 16 ** digits)
      .toString(16)
      .padStart(digits, '0')
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(6)}${hex(6)}`
}
