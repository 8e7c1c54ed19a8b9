import { intBetween, type Random } from '../../common/random'

/** Generated rows live before this instant; writes made at run time are later. */
export const generatedEpochEnd = Date.UTC(2025, 5, 1)
const generatedEpochStart = Date.UTC(2018, 0, 1)

/** Dataverse returns UserLocal date-times as UTC without milliseconds. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

export function createdModified(random: Random): { createdon: string; modifiedon: string } {
  const created = generatedEpochStart + Math.floor(random() * (generatedEpochEnd - generatedEpochStart - 86400000))
  const modified = Math.min(generatedEpochEnd, created + intBetween(random, 0, 400) * 86400000 + intBetween(random, 0, 86399) * 1000)
  return { createdon: isoSeconds(created), modifiedon: isoSeconds(modified) }
}

export function birthDate(random: Random): string {
  return isoDate(Date.UTC(1940, 0, 1) + Math.floor(random() * 65 * 365.25 * 86400000))
}
