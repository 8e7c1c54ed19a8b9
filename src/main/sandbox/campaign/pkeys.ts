import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto'

/**
 * Opaque primary keys. Real PKeys are `@` + an encrypted, instance-specific token
 * (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/global-concepts/must-read): never sequential, not reusable across instances, and a malformed one is
 * rejected by the engine. AES-GCM with a key derived from (seed, orgId) gives all three, and
 * a deterministic IV keeps a record's PKey stable across restarts of the same sandbox.
 */
export class KeyCodec {
  private readonly key: Buffer
  private readonly macKey: Buffer

  constructor(seed: number, orgId: string) {
    this.key = createHash('sha256').update(`campaign-pkey:${seed}:${orgId}`).digest()
    this.macKey = createHash('sha256').update(`campaign-iv:${seed}:${orgId}`).digest()
  }

  encode(plain: string): string {
    const iv = createHmac('sha256', this.macKey).update(plain).digest().subarray(0, 12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    // Padding makes short ids look like the long opaque keys of a real instance.
    const body = Buffer.concat([cipher.update(`${plain}|${'~'.repeat(Math.max(0, 24 - plain.length))}`, 'utf8'), cipher.final()])
    return '@' + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
  }

  decode(token: string): string | undefined {
    if (!token.startsWith('@')) return undefined
    try {
      const raw = Buffer.from(token.slice(1), 'base64url')
      if (raw.length < 29) return undefined
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
      return text.slice(0, text.lastIndexOf('|'))
    } catch {
      return undefined
    }
  }

  /** PKey of a stored record: `<resource>/<internal id>`. */
  recordKey(resource: string, id: number): string {
    return this.encode(`${resource}/${id}`)
  }

  parseRecordKey(token: string): { resource: string; id: number } | undefined {
    const plain = this.decode(token)
    const match = plain?.match(/^([A-Za-z]+)\/(\d+)$/)
    return match ? { resource: match[1], id: Number(match[2]) } : undefined
  }
}
