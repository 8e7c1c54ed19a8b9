import { defaultSettings, Settings } from '../../shared/contract'
import type { KeyValueStore } from './store'

const KEY = 'settings'

/** User settings, validated on the way in and out: a hand-edited bad value falls back to its default. */
export class SettingsService {
  constructor(private readonly store: KeyValueStore) {}

  get(): Settings {
    const stored = this.store.get(KEY)
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

  async set(changes: Partial<Settings>): Promise<Settings> {
    const next = Settings.parse({ ...this.get(), ...changes })
    await this.store.set(KEY, next)
    return next
  }
}
