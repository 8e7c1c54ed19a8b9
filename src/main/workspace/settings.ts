import { defaultSettings, Settings } from '../../shared/contract'
import type { KeyValueStore } from './store'

const KEY = 'settings'

/** User settings, validated on the way in and out: a hand-edited bad value falls back to its default. */
export class SettingsService {
  constructor(private readonly store: KeyValueStore) {}

  get(): Settings {
    return settingsFrom(this.store.get(KEY))
  }

  /** Changes some settings from those on disk now (another process may have changed others). */
  async set(changes: Partial<Settings>): Promise<Settings> {
    let next = defaultSettings
    await this.store.update(KEY, (stored) => (next = Settings.parse({ ...settingsFrom(stored), ...changes })))
    return next
  }
}

function settingsFrom(stored: unknown): Settings {
  const merged = { ...defaultSettings, ...(stored && typeof stored === 'object' ? stored : {}) }
  const parsed = Settings.safeParse(merged)
  if (parsed.success) return parsed.data
  // Keep every valid value and reset only the broken ones.
  const repaired = { ...defaultSettings }
  for (const key of Object.keys(defaultSettings) as (keyof Settings)[]) {
    const one = Settings.shape[key].safeParse(merged[key])
    if (one.success) (repaired as Record<string, unknown>)[key] = one.data
  }
  return repaired
}
