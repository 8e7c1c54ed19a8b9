/**
 * Sharded runs (`sync-studio run --shard i/n`, docs/scale.md): n runs in parallel, each on
 * its own journal, together cover every source record exactly once. A record belongs to the
 * shard its source key hashes to — a rule any other tool can reproduce:
 *
 *   1. the key as text, trimmed of white space and lower-cased (Dataverse ids are GUIDs whose
 *      case differs between a record and its `@removed` delta entry; lower-casing makes both
 *      land in the same shard);
 *   2. its UTF-8 bytes hashed with 32-bit FNV-1a (offset basis 2166136261, prime 16777619);
 *   3. shard = (hash mod n) + 1, so shards are numbered 1..n.
 *
 * A record without a key (it can only fail, "no match key") belongs to shard 1, so it is
 * reported once, not n times. Pure: no Node, no DOM.
 */

export interface Shard {
  /** 1-based: 1..count. */
  index: number
  count: number
}

/** More shards than this is a typo (and more application users than a tenant would create). */
export const MAX_SHARDS = 1000

/** `i/n` as typed on the command line, or the reason it is not one. */
export function parseShard(text: string): { ok: true; shard: Shard } | { ok: false; message: string } {
  const match = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text)
  if (!match)
    return { ok: false, message: `--shard takes i/n (this run's number and how many runs share the work, e.g. 2/4), not "${text}"` }
  const index = Number(match[1])
  const count = Number(match[2])
  if (count < 1 || count > MAX_SHARDS) return { ok: false, message: `--shard ${text}: n must be from 1 to ${MAX_SHARDS}` }
  if (index < 1 || index > count)
    return {
      ok: false,
      message: `--shard ${text}: i must be from 1 to ${count} (shards are numbered from 1; a Kubernetes JOB_COMPLETION_INDEX starts at 0, so pass it plus 1)`
    }
  return { ok: true, shard: { index, count } }
}

/** The key as hashed: text, trimmed, lower-cased. */
export function normaliseShardKey(key: string): string {
  return key.trim().toLowerCase()
}

/** 32-bit FNV-1a over the UTF-8 bytes of `text` (unsigned). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5
  const byte = (b: number) => {
    hash ^= b
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  for (const char of text) {
    const code = char.codePointAt(0)!
    if (code < 0x80) byte(code)
    else if (code < 0x800) {
      byte(0xc0 | (code >> 6))
      byte(0x80 | (code & 0x3f))
    } else if (code < 0x10000) {
      // A lone surrogate is encoded as U+FFFD, as TextEncoder does.
      const c = code >= 0xd800 && code <= 0xdfff ? 0xfffd : code
      byte(0xe0 | (c >> 12))
      byte(0x80 | ((c >> 6) & 0x3f))
      byte(0x80 | (c & 0x3f))
    } else {
      byte(0xf0 | (code >> 18))
      byte(0x80 | ((code >> 12) & 0x3f))
      byte(0x80 | ((code >> 6) & 0x3f))
      byte(0x80 | (code & 0x3f))
    }
  }
  return hash >>> 0
}

/** The shard (1..count) a source key belongs to; a record without a key belongs to shard 1. */
export function shardOf(key: string | undefined, count: number): number {
  if (count <= 1) return 1
  if (key === undefined) return 1
  const normal = normaliseShardKey(key)
  if (normal === '') return 1
  return (fnv1a32(normal) % count) + 1
}

export function inShard(key: string | undefined, shard: Shard): boolean {
  return shardOf(key, shard.count) === shard.index
}

/** "2/4", as the summary and the journal identity say it. */
export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`
}
