/**
 * Deterministic pseudo-random numbers for seeded demo data. The same seed gives the same
 * sandbox on every machine, so a test or a bug report can name a record by seed and index.
 * mulberry32: tiny, fast, good enough for demo data (not for anything secret).
 */
export type Random = () => number

export function seededRandom(seed: number): Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A random stream for one row: rows can be generated lazily and in any order. */
export function rowRandom(seed: number, table: string, index: number): Random {
  let h = 2166136261 ^ seed
  for (let i = 0; i < table.length; i++) h = Math.imul(h ^ table.charCodeAt(i), 16777619)
  h = Math.imul(h ^ index, 16777619)
  h = Math.imul(h ^ (index >>> 16), 2246822507)
  return seededRandom(h >>> 0)
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]
}

export function chance(random: Random, probability: number): boolean {
  return random() < probability
}

export function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1))
}

/** A GUID derived from the seed, so ids are stable across restarts of the sandbox. */
export function seededGuid(random: Random): string {
  const hex = (n: number) =>
    Math.floor(random() * 16 ** n)
      .toString(16)
      .padStart(n, '0')
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(random() * 4)).toString(16)}${hex(3)}-${hex(6)}${hex(6)}`
}
