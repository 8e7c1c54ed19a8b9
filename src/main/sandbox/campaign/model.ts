import { createHash } from 'node:crypto'
import { formatDate, formatTimestamp, parseTimestamp } from './dates'
import { engine } from './errors'
import { type KeyCodec } from './pkeys'
import { checkTimeZone } from './profile-resource'
import type { CampaignSettings } from './options'
import { visibleFields, type Family, type FieldDef, type ResourceDef } from './resources'
import type { CampaignStore, StoredRecord } from './store'

/** The body of a write, as the client sent it. */
export type Body = Record<string, unknown>

const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

/**
 * Records as Campaign sees them: validation of writes (types, enumerations by name, lengths,
 * read-only fields, identification keys, links), attribute-level opt-out timestamps, and the
 * JSON rendering with PKeys and absolute hrefs.
 */
export class CampaignModel {
  readonly resources = new Map<string, ResourceDef>()

  constructor(
    readonly settings: CampaignSettings,
    readonly codec: KeyCodec,
    readonly store: CampaignStore,
    resources: ResourceDef[]
  ) {
    for (const resource of resources) this.resources.set(resource.name, resource)
  }

  now(): string {
    return formatTimestamp(this.settings.now())
  }

  resource(name: string, family: Family): ResourceDef | undefined {
    const resource = this.resources.get(name)
    return resource && resource.families.includes(family) ? resource : undefined
  }

  pkey(resource: string, id: number): string {
    return this.codec.recordKey(resource, id)
  }

  /** Decodes a PKey from a URL or a link; invalid → the documented XTK-170036 error, unknown → 404. */
  findByPKey(resource: ResourceDef, token: string): StoredRecord {
    const parsed = this.codec.parseRecordKey(token)
    if (!parsed) throw engine.invalidPKey(token, resource.schemaLabel)
    const record = parsed.resource === resource.name ? this.store.get(resource.name, parsed.id) : undefined
    // A record is readable at its own href even while a 1-cardinality link is unresolved: the
    // POST handed that href out. Only lists hide such orphans.
    if (!record) throw engine.notFound(resource.label, token)
    return record
  }

  findByKey(resource: ResourceDef, key: string): StoredRecord | undefined {
    if (!resource.keyField) return undefined
    for (const id of this.store.lookup(resource.name, resource.keyField, key)) {
      const record = this.store.get(resource.name, id)
      if (record) return record
    }
    return undefined
  }

  /** A 1-cardinality child whose profile has not arrived is invisible (adobe-integration §3.9). */
  isVisible(resource: ResourceDef, record: StoredRecord, profileIndex?: Map<string, number>): boolean {
    const link = resource.profileLink
    if (!link || link.cardinality !== '1') return true
    return this.linkedProfileId(resource, record, profileIndex) !== null
  }

  /** Profile key value → profile id, for field-joined links (built once per list). */
  profileIndex(field: string): Map<string, number> {
    const index = new Map<string, number>()
    for (const profile of this.store.rows('profile')) {
      const value = profile.values[field]
      if (typeof value === 'string' && value !== '' && !index.has(value)) index.set(value, profile.id)
    }
    return index
  }

  linkedProfileId(resource: ResourceDef, record: StoredRecord, profileIndex?: Map<string, number>): number | null {
    const link = resource.profileLink
    if (!link) return null
    if (link.join === 'pkey') {
      const id = record.values[link.name]
      return typeof id === 'number' && this.store.get('profile', id) ? id : null
    }
    const value = record.values[link.childField!]
    if (typeof value !== 'string' || value === '') return null
    if (profileIndex) return profileIndex.get(value) ?? null
    return this.store.lookup('profile', link.profileField!, value)[0] ?? null
  }

  // ---- writes -------------------------------------------------------------------------

  create(resource: ResourceDef, family: Family, body: Body): StoredRecord {
    const now = this.now()
    const values: Record<string, unknown> = {}
    this.applyBody(resource, family, body, values, undefined, now)
    for (const field of resource.fields) {
      if (field.mandatory && field.type !== 'link' && (values[field.name] === undefined || values[field.name] === '')) {
        throw engine.generic(`The '${field.label}' (${field.name}) field is mandatory for the '${resource.name}' resource.`)
      }
    }
    if (resource.profileLink?.join === 'pkey' && resource.profileLink.cardinality === '1' && values[resource.profileLink.name] == null) {
      throw engine.generic(`The link '${resource.profileLink.name}' is mandatory.`)
    }
    this.checkUnique(resource, values, undefined)
    values.created = now
    values.lastModified = now
    if (resource.name === 'profile') values.cryptedId = this.cryptedId(now)
    if (resource.name === 'service') values.builtIn = false
    this.computeDerived(resource, values)
    return this.store.insert(resource.name, values)
  }

  update(resource: ResourceDef, family: Family, record: StoredRecord, body: Body): void {
    const now = this.now()
    const next = structuredClone(record.values)
    if (resource.keyField && resource.keyField in body) {
      const from = String(record.values[resource.keyField] ?? '')
      const to = String(body[resource.keyField] ?? '')
      if (from !== '' && from !== to) throw engine.inconsistentKey(resource.name, from, to)
    }
    this.applyBody(resource, family, body, next, record.values, now)
    this.checkUnique(resource, next, record.id)
    next.lastModified = now
    this.computeDerived(resource, next)
    this.store.replace(resource.name, record, next)
  }

  /** Fills the computed fields of a record written straight into the store (seeding, hooks). */
  finishStored(resourceName: string, values: Record<string, unknown>): void {
    const resource = this.resources.get(resourceName)!
    if (resourceName === 'profile' && !values.cryptedId) values.cryptedId = this.cryptedId(String(values.created ?? ''))
    this.computeDerived(resource, values)
  }

  private cryptedId(salt: string): string {
    return createHash('sha256').update(`${this.settings.seed}:${this.store.raw.nextId}:${salt}`).digest('base64url').slice(0, 44)
  }

  private checkUnique(resource: ResourceDef, values: Record<string, unknown>, selfId: number | undefined): void {
    for (const field of resource.fields.filter((f) => f.key)) {
      const value = values[field.name]
      if (typeof value !== 'string' || value === '') continue
      const clash = this.store.lookup(resource.name, field.name, value).some((id) => id !== selfId)
      if (clash) {
        const table = resource.schema.replace(':', '')
        throw engine.duplicateKey(resource.entityLabel, value, `${table}_${field.name.toLowerCase()}`)
      }
    }
  }

  private computeDerived(resource: ResourceDef, values: Record<string, unknown>): void {
    if (resource.name === 'profile') {
      const email = String(values.email ?? '')
      values.domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1).toLowerCase() : ''
      values.age = ageOf(String(values.birthDate ?? ''), this.settings.now())
    }
    if (resource.fields.some((f) => f.name === 'title')) values.title = resource.title(values)
  }

  private applyBody(
    resource: ResourceDef,
    family: Family,
    body: Body,
    target: Record<string, unknown>,
    previous: Record<string, unknown> | undefined,
    now: string
  ): void {
    const fields = new Map(visibleFields(resource, family).map((f) => [f.name, f]))
    const joined: unknown[] = []
    for (const [name, raw] of Object.entries(body)) {
      // Echoed identity and collection nodes are what a client gets back from GET; sending them back is harmless.
      if (name === 'PKey' || name === 'href') continue
      const field = fields.get(name)
      if (!field) throw engine.unknownProperty(name, resource.name)
      if (field.type === 'collection') continue
      if (field.type === 'link') {
        if (field.readOnly && resource.profileLink?.name === name && resource.profileLink.join === 'field') joined.push(raw)
        else this.applyLink(resource, field, raw, target)
        continue
      }
      if (field.type === 'item') {
        target[name] = this.coerceItem(resource, field, raw, (previous?.[name] as Record<string, unknown>) ?? {})
        continue
      }
      const value = this.coerce(resource, field, raw)
      const before = previous ? previous[name] : field.empty
      if (field.readOnly) {
        if (value !== (before ?? field.empty)) throw engine.readOnly(name, resource.name)
        continue
      }
      target[name] = value
      // Attribute-level timestamps (needed by the opt-out conflict rule): on create when set, on update when changed.
      if (field.stamps && (previous === undefined || previous[name] !== value)) {
        for (const stampName of field.stamps) target[stampName] = now
      }
    }
    for (const raw of joined) this.checkJoinedLink(resource, raw, target, previous)
  }

  /**
   * A link Campaign computes from a join field (cusVehicle's owner, from `profileExternalId`)
   * is read-only; sending the profile it resolves to anyway is tolerated, like an unchanged
   * read-only value. Any other profile is the read-only refusal.
   */
  private checkJoinedLink(
    resource: ResourceDef,
    raw: unknown,
    values: Record<string, unknown>,
    previous: Record<string, unknown> | undefined
  ): void {
    const link = resource.profileLink!
    const node = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined
    const token =
      typeof node?.PKey === 'string'
        ? node.PKey
        : typeof node?.href === 'string'
          ? node.href.replace(/\/+$/, '').split('/').pop()
          : undefined
    if (!token) return
    const sent = this.findByPKey(this.resources.get('profile')!, token).id
    const joinValue = values[link.childField!] ?? previous?.[link.childField!]
    const resolved =
      typeof joinValue === 'string' && joinValue !== '' ? this.store.lookup('profile', link.profileField!, joinValue)[0] : undefined
    if (sent !== resolved) throw engine.readOnly(link.name, resource.name)
  }

  private applyLink(resource: ResourceDef, field: FieldDef, raw: unknown, target: Record<string, unknown>): void {
    if (field.readOnly) throw engine.readOnly(field.name, resource.name)
    if (raw === null || raw === '') {
      target[field.name] = null
      return
    }
    if (typeof raw !== 'object') throw engine.badValue(field.name, raw, 'link')
    const node = raw as Record<string, unknown>
    let token = typeof node.PKey === 'string' ? node.PKey : undefined
    if (!token && typeof node.href === 'string') token = node.href.replace(/\/+$/, '').split('/').pop()
    // A nested object without a key is ignored by ACS: the record is created with an empty link (https://experienceleague.adobe.com/en/docs/experience-cloud/campaign/apis/limitations).
    if (!token) return
    const targetResource = this.resources.get(field.target!)!
    target[field.name] = this.findByPKey(targetResource, token).id
  }

  private coerceItem(resource: ResourceDef, field: FieldDef, raw: unknown, previous: Record<string, unknown>): Record<string, unknown> {
    if (raw === null) return {}
    if (typeof raw !== 'object' || Array.isArray(raw)) throw engine.badValue(field.name, raw, 'object')
    const next = { ...previous }
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      const sub = field.fields?.find((f) => f.name === name)
      if (!sub) throw engine.unknownProperty(name, resource.name)
      next[name] = this.coerce(resource, sub, value)
    }
    return next
  }

  coerce(resource: ResourceDef, field: FieldDef, raw: unknown): unknown {
    switch (field.type) {
      case 'string': {
        if (raw === null || raw === undefined) return ''
        if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
          throw engine.badValue(field.name, JSON.stringify(raw), 'string')
        let text = String(raw)
        const length = [...text].length
        if (field.length && length > field.length) {
          if (this.settings.lengthPolicy === 'reject') throw engine.tooLong(field.length)
          text = [...text].slice(0, field.length).join('')
        }
        if (field.dataPolicy === 'email' && this.settings.validateEmail && text !== '' && !emailPattern.test(text)) {
          throw engine.generic(`XTK-170001 The email address '${text}' is not valid.`)
        }
        return text
      }
      case 'boolean':
        if (raw === null) return false
        if (typeof raw !== 'boolean') throw engine.badValue(field.name, raw, 'boolean')
        return raw
      case 'integer': {
        if (raw === null || raw === '') return 0
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN
        if (!Number.isInteger(n)) throw engine.badValue(field.name, raw, 'integer')
        return n
      }
      case 'date':
      case 'datetime': {
        if (raw === null || raw === '') return ''
        const date = typeof raw === 'string' ? parseTimestamp(raw) : undefined
        if (!date) throw engine.badValue(field.name, raw, field.type === 'date' ? 'date (YYYY-MM-DD)' : 'date/time')
        return field.type === 'date' ? formatDate(date) : formatTimestamp(date)
      }
      case 'enumeration': {
        if (field.name === 'timeZone') {
          const text = raw === null ? '' : String(raw)
          checkTimeZone(text)
          return text
        }
        // Enumerations are written by name (https://experienceleague.adobe.com/en/docs/campaign-standard/using/developing/datamodel/datamodel-profile); numbers and labels are refused like a bad name.
        const name = raw === null ? '' : String(raw)
        if (!field.values!.some((v) => v.name === name)) throw engine.badEnum(name, field.enumName ?? field.name, field.name)
        return name
      }
      default:
        throw engine.unknownProperty(field.name, resource.name)
    }
  }

  // ---- rendering ----------------------------------------------------------------------

  href(base: string, family: Family, resource: ResourceDef, record: StoredRecord): string {
    return `${base}${family}/${resource.name}/${this.pkey(resource.name, record.id)}`
  }

  render(
    base: string,
    family: Family,
    resource: ResourceDef,
    record: StoredRecord,
    profileIndex?: Map<string, number>
  ): Record<string, unknown> {
    const href = this.href(base, family, resource, record)
    const out: Record<string, unknown> = { PKey: this.pkey(resource.name, record.id), href }
    for (const field of visibleFields(resource, family)) {
      if (field.type === 'collection') {
        out[field.name] = { href: `${href}/${field.name}/` }
      } else if (field.type === 'link') {
        out[field.name] = this.renderLink(base, resource, field, record, profileIndex)
      } else if (field.type === 'item') {
        const stored = (record.values[field.name] as Record<string, unknown>) ?? {}
        const item: Record<string, unknown> = {}
        for (const sub of field.fields ?? []) item[sub.name] = stored[sub.name] ?? sub.empty
        out[field.name] = item
      } else {
        out[field.name] = record.values[field.name] ?? field.empty
      }
    }
    return sortKeys(out)
  }

  private renderLink(
    base: string,
    resource: ResourceDef,
    field: FieldDef,
    record: StoredRecord,
    profileIndex?: Map<string, number>
  ): unknown {
    const targetResource = this.resources.get(field.target!)!
    const id =
      resource.profileLink?.name === field.name
        ? this.linkedProfileId(resource, record, profileIndex)
        : (record.values[field.name] as number | null)
    const target = typeof id === 'number' ? this.store.get(targetResource.name, id) : undefined
    if (!target) return {}
    return {
      PKey: this.pkey(targetResource.name, target.id),
      href: this.href(base, 'profileAndServices', targetResource, target),
      title: targetResource.title(target.values)
    }
  }
}

function ageOf(birthDate: string, now: Date): number {
  const date = parseTimestamp(birthDate)
  if (!date) return 0
  let age = now.getUTCFullYear() - date.getUTCFullYear()
  if (now.getUTCMonth() < date.getUTCMonth() || (now.getUTCMonth() === date.getUTCMonth() && now.getUTCDate() < date.getUTCDate())) age--
  return Math.max(0, age)
}

/** Campaign emits keys in alphabetical order; keeping that makes fixtures diff cleanly. */
export function sortKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
