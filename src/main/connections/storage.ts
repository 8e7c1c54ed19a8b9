import { ConnectionProfile } from '../../shared/connections'
import { secretKeys } from '../workspace/secrets'
import type { KeyValueStore } from '../workspace/store'

const STORE_KEY = 'connections'

/**
 * The user's profiles in the key-value store (config.json), without secrets; an entry that no
 * longer parses is skipped, not fatal. Built-in profiles are never stored.
 */
export class ProfileStorage {
  constructor(private readonly store: KeyValueStore) {}

  read(): ConnectionProfile[] {
    const raw = this.store.get(STORE_KEY)
    if (!Array.isArray(raw)) return []
    const out: ConnectionProfile[] = []
    for (const item of raw) {
      const parsed = ConnectionProfile.safeParse(item)
      if (parsed.success) out.push(parsed.data)
    }
    return out
  }

  async write(profiles: ConnectionProfile[]): Promise<void> {
    await this.store.set(
      STORE_KEY,
      profiles.filter((p) => p.source === 'user')
    )
  }
}

/** Where a user profile's secret is kept in the SecretStore; undefined for interactive sign-in. */
export function secretKeyFor(profile: ConnectionProfile): string | undefined {
  if (profile.system === 'campaign')
    return profile.authMethod === 'bearerToken' ? secretKeys.bearerToken(profile.id) : secretKeys.clientSecret(profile.id)
  switch (profile.authMethod) {
    case 'clientSecret':
      return secretKeys.clientSecret(profile.id)
    case 'certificate':
      return secretKeys.certificateKey(profile.id)
    case 'bearerToken':
      return secretKeys.bearerToken(profile.id)
    default:
      return undefined
  }
}
