import type { CampaignConnector } from '../../connectors/campaign/connector'
import type { CascadeCount } from '../ports'
import { isKind, rethrowFatal } from './errors'

/**
 * What deleting a parent record (a profile) takes with it in Campaign, counted for the
 * Campaign sink: the rows of the document's child flows linked to it, read before the delete,
 * then whether Campaign deleted them with it — said in the run's summary (and in the dry run's,
 * as what it would take), and handed to the runner so the child flows forget what they last
 * sent those rows (docs/sync.md, "Deleting a parent").
 */

/**
 * A flow of the same document whose records link to this sink's records (a custom resource
 * linked to the profile). Campaign can delete a profile's linked rows with it — the link's
 * "Behavior if deleted or duplicated" option, which Adobe's privacy tutorial asks for
 * (https://experienceleague.adobe.com/en/docs/campaign-standard-learn/tutorials/privacy/custom-resources-for-privacy-requests);
 * the sandbox always does (docs/sandbox-campaign.md) — so a delete counts them first.
 */
export interface CascadeChild {
  /**
   * The child flow's id (its sent payloads are forgotten for the rows deleted with a profile);
   * none for a linked resource no flow of the mapping syncs (counted and said, nothing to forget).
   */
  flowId?: string
  /** Its Campaign resource (`cusVehicle`). */
  resource: string
  /** The resource's field holding the child's Dynamics id (the child flow's `match.target`). */
  keyField: string
  /** The resource's link field to the profile (`vehicleOwner`, `profile`). */
  link: string
  /** Rows read at most to count (default the sink's `maxIndex`); a larger resource is "not counted". */
  maxRows?: number
}

/** The linked rows a delete took (or would take) with it, per child resource. */
interface CascadeTally {
  flowId?: string
  /** Rows linked to the deleted records, counted before each delete (the dry run: those it would delete). */
  linked: number
  /** Of those, rows still there after the delete (the link keeps them: they stay, without their profile). */
  kept: number
  /** The resource could not be read whole (too large, or the read failed): not counted. */
  unknown: boolean
}

/** A parent record as the sink found it in Campaign. */
export interface Found {
  href: string
  PKey?: string
}

interface ChildRow {
  key: string
  href?: string
}

interface LinkedRows {
  child: CascadeChild
  rows: ChildRow[]
  /** The child resource was not read whole: its rows are not counted. */
  unknown: boolean
}

export class ParentDeleteCascade {
  /** Per child resource: its rows by the profile they link to (read once, on the run's first delete). */
  private rows: Promise<Map<string, Map<string, ChildRow[]> | undefined>> | undefined
  /** Per child resource: the rows the run's deletes took (or the dry run's would take) with them. */
  private readonly tallies = new Map<string, CascadeTally>()
  /** The resources linked to the parent could not be listed: others than the mapping's may be deleted too. */
  private unlisted = false
  /** A delete was counted (planned or done). */
  private counted = false

  /** The document's child flows, then (on the first delete) the other resources linked to the parent. */
  private children: readonly CascadeChild[]
  private discovered: Promise<void> | undefined

  constructor(
    private readonly connector: CampaignConnector,
    /** The parent's resource (`profile`). */
    private readonly resource: string,
    children: readonly CascadeChild[],
    private readonly paging: { indexPageSize?: number; maxIndex?: number } = {},
    /**
     * The resources linked to the parent that no flow of the mapping syncs (another mapping's
     * custom resources): Campaign deletes their rows with a profile all the same. Asked once, on
     * the run's first delete.
     */
    private readonly discover?: (signal: AbortSignal) => Promise<CascadeChild[]>
  ) {
    this.children = children
  }

  /** The rows linked to the parent `key`, counted before its delete; a read that fails leaves them "not counted", never the run stopped. */
  async linked(key: string, found: Found, signal: AbortSignal): Promise<LinkedRows[]> {
    try {
      return await this.linkedChildren(found, signal)
    } catch (error) {
      rethrowFatal(error, `counting the rows linked to ${this.resource} ${key}`)
      for (const child of this.children) this.tallyOf(child).unknown = true
      return []
    }
  }

  /**
   * Before the deletes (the delete guard): the rows deleting all of `found` would take, per child
   * resource, without taking them from the index the deletes count from. A read that fails is "not counted".
   */
  async count(found: readonly Found[], signal: AbortSignal): Promise<CascadeCount[]> {
    try {
      this.discovered ??= this.withDiscovered(signal)
      await this.discovered
      if (this.children.length === 0) return []
      this.rows ??= this.readChildren(signal)
      const children = await this.rows
      return this.children.map((child) => {
        const byParent = children.get(child.resource)
        let rows = 0
        for (const f of found) rows += byParent?.get(f.PKey ?? lastSegment(f.href))?.length ?? 0
        return countOf(child, rows, !byParent)
      })
    } catch (error) {
      rethrowFatal(error, `counting the rows linked to the ${this.resource} records to delete`)
      return this.children.map((child) => countOf(child, 0, true))
    }
  }

  /** The dry run: what deleting `key` would take with it, as the child flows' keys (the rows they would find gone). */
  async plan(key: string, found: Found, signal: AbortSignal): Promise<Array<{ flowId: string; keys: string[] }>> {
    const linked = await this.linked(key, found, signal)
    this.tally(linked, false)
    return keysByFlow(linked)
  }

  /** After a delete: what Campaign took with it (tallied), as the child flows' keys to forget. */
  async deleted(linked: readonly LinkedRows[], signal: AbortSignal): Promise<Array<{ flowId: string; keys: string[] }>> {
    const gone = await this.cascaded(linked, signal)
    this.tally(linked, true, gone)
    return keysByFlow(gone)
  }

  /** The tally of a child resource (created on first use). */
  private tallyOf(child: CascadeChild): CascadeTally {
    let tally = this.tallies.get(child.resource)
    if (!tally) this.tallies.set(child.resource, (tally = { flowId: child.flowId, linked: 0, kept: 0, unknown: false }))
    return tally
  }

  private tally(linked: readonly LinkedRows[], ran: boolean, gone: readonly LinkedRows[] = []): void {
    this.counted = true
    for (const { child, rows, unknown } of linked) {
      const tally = this.tallyOf(child)
      if (unknown) tally.unknown = true
      tally.linked += rows.length
      if (ran) tally.kept += rows.length - (gone.find((g) => g.child === child)?.rows.length ?? 0)
    }
  }

  /**
   * The rows of each child resource linked to this record (a profile), from one paged read of
   * each child resource the first time the run deletes (bounded by `maxIndex`: a larger
   * resource is not counted). The rows found are dropped from the index: they are taken with it.
   */
  private async linkedChildren(found: Found, signal: AbortSignal): Promise<LinkedRows[]> {
    this.discovered ??= this.withDiscovered(signal)
    await this.discovered
    const cascade = this.children
    if (cascade.length === 0) return []
    this.rows ??= this.readChildren(signal)
    const children = await this.rows
    const ref = found.PKey ?? lastSegment(found.href)
    return cascade.map((child) => {
      const byParent = children.get(child.resource)
      if (!byParent) return { child, rows: [], unknown: true }
      const rows = byParent.get(ref) ?? []
      byParent.delete(ref)
      return { child, rows, unknown: false }
    })
  }

  /** Adds the linked resources no flow of the mapping syncs (a failed look is said, not fatal). */
  private async withDiscovered(signal: AbortSignal): Promise<void> {
    if (!this.discover) return
    try {
      const known = new Set(this.children.map((c) => c.resource))
      this.children = [...this.children, ...(await this.discover(signal)).filter((c) => !known.has(c.resource))]
    } catch (error) {
      rethrowFatal(error, `finding the resources linked to ${this.resource}`)
      this.unlisted = true
    }
  }

  private async readChildren(signal: AbortSignal): Promise<Map<string, Map<string, ChildRow[]> | undefined>> {
    const out = new Map<string, Map<string, ChildRow[]> | undefined>()
    const pageSize = this.paging.indexPageSize ?? 1000
    for (const child of this.children) {
      const maxIndex = child.maxRows ?? this.paging.maxIndex ?? 250_000
      if (out.has(child.resource)) continue
      const byParent = new Map<string, ChildRow[]>()
      let rows = 0
      try {
        for await (const page of this.connector.list(child.resource, { pageSize, signal })) {
          for (const record of page.records) {
            const link = record[child.link] as { PKey?: unknown; href?: unknown } | null | undefined
            const ref =
              typeof link?.PKey === 'string' && link.PKey ? link.PKey : typeof link?.href === 'string' ? lastSegment(link.href) : ''
            const key = record[child.keyField]
            if (!ref || key === undefined || key === null || key === '') continue
            const list = byParent.get(ref) ?? []
            list.push({ key: String(key), ...(typeof record.href === 'string' ? { href: record.href } : {}) })
            byParent.set(ref, list)
          }
          rows += page.records.length
          if (rows > maxIndex) break
        }
      } catch (error) {
        rethrowFatal(error, `reading ${child.resource}`)
        out.set(child.resource, undefined)
        continue
      }
      out.set(child.resource, rows > maxIndex ? undefined : byParent)
    }
    return out
  }

  /**
   * Of the rows linked to a deleted profile, those Campaign deleted with it: one read of one
   * row per child resource tells (a link that deletes its rows takes them all; one that keeps
   * them keeps them all).
   */
  private async cascaded(linked: readonly LinkedRows[], signal: AbortSignal): Promise<LinkedRows[]> {
    const out: LinkedRows[] = []
    for (const entry of linked) {
      const probe = entry.rows.find((r) => r.href)
      if (!probe) {
        out.push(entry)
        continue
      }
      try {
        await this.connector.get(probe.href!.replace('/profileAndServices/', '/profileAndServicesExt/'), signal)
        out.push({ ...entry, rows: [] }) // still there: the link keeps its rows
      } catch (error) {
        rethrowFatal(error, `reading a ${entry.child.resource} row`)
        out.push(isKind(error, 'notFound') ? entry : { ...entry, rows: [] })
      }
    }
    return out
  }

  /**
   * What the run's deletes took with them (the dry run: would take), in words — one line per
   * kind, or none when no delete had linked rows (docs/sync.md, "Deleting a parent").
   */
  summary(dryRun: boolean): string[] {
    const lines: string[] = []
    const taken = [...this.tallies].filter(([, t]) => t.linked - t.kept > 0)
    const and = (parts: string[]) => (parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts[0])
    const synced = taken.filter(([, t]) => t.flowId)
    if (synced.length) {
      const what = and(synced.map(([resource, t]) => `${t.linked - t.kept} ${resource}`))
      const flows = and(synced.map(([, t]) => `"${t.flowId}"`))
      const plural = synced.length > 1 ? 's' : ''
      lines.push(
        dryRun
          ? `Campaign would also delete ${what} row(s) linked to the ${this.resource}(s) deleted (counted in Campaign now)`
          : `Campaign also deleted ${what} row(s) linked to the ${this.resource}(s) deleted — flow${plural} ${flows} no longer count${plural ? '' : 's'} them as synced: a row read again is reported as missing its parent`
      )
    }
    // Rows of resources no flow of this mapping syncs (another mapping's): said, so a consultant knows what else went.
    const others = taken.filter(([, t]) => !t.flowId).sort(([a], [b]) => a.localeCompare(b))
    if (others.length) {
      const what = and(others.map(([resource, t]) => `${t.linked - t.kept} ${resource}`))
      lines.push(
        `Campaign ${dryRun ? 'would also delete' : 'also deleted'} ${what} row(s) linked to the ${this.resource}(s) deleted, which no flow of this mapping syncs — ${dryRun ? 'the mapping that syncs them would then miss them' : 'run the mapping that syncs them with --full to find them missing'}`
      )
    }
    const kept = [...this.tallies].filter(([, t]) => t.kept > 0)
    if (kept.length)
      lines.push(
        `${and(kept.map(([resource, t]) => `${t.kept} ${resource}`))} row(s) linked to the deleted ${this.resource} record(s) stay in Campaign without it (their link keeps its rows)`
      )
    if (this.unlisted && this.counted)
      lines.push(
        `The resources linked to ${this.resource} could not be listed: Campaign may have deleted rows of others than this mapping's with the deleted record(s)`
      )
    const unknown = [...this.tallies].filter(([, t]) => t.unknown)
    if (unknown.length)
      lines.push(
        `${and(unknown.map(([resource]) => resource))}: the rows linked to the deleted ${this.resource} record(s) were not counted (the resource could not be read whole) — Campaign may delete them with it`
      )
    return lines
  }
}

/** A record's PKey from its href (`…/profile/@xyz` → `@xyz`). */
function lastSegment(href: string): string {
  return decodeURIComponent(
    href
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .at(-1) ?? ''
  )
}

/**
 * The custom resources with a link to `parent` (their rows go with a parent Campaign deletes,
 * when the link says so), whether or not a flow syncs them: one metadata read per custom
 * resource (Campaign allows 20 custom entities, docs/validation.md).
 */
/** Rows of a resource no flow syncs read at most to count what a delete takes (10 pages): past that, "not counted". */
const DISCOVERED_MAX_ROWS = 10_000

export async function linkedResources(connector: CampaignConnector, parent: string, signal: AbortSignal): Promise<CascadeChild[]> {
  const out: CascadeChild[] = []
  for (const summary of await connector.listResources(signal)) {
    if (!summary.custom || summary.name === parent) continue
    const table = await connector.getResource(summary.name, signal)
    for (const field of table.fields)
      if (field.type === 'link' && field.targets?.includes(parent))
        // Read to count only while it is small: a run deleting one profile must not read a large resource whole.
        out.push({ resource: summary.name, keyField: 'PKey', link: field.name, maxRows: DISCOVERED_MAX_ROWS })
  }
  return out
}

function countOf(child: CascadeChild, rows: number, unknown: boolean): CascadeCount {
  return { resource: child.resource, ...(child.flowId ? { flowId: child.flowId } : {}), rows, unknown }
}

/** The rows of the document's child flows among `linked`, by flow (rows of resources no flow syncs have nothing to forget). */
function keysByFlow(linked: readonly LinkedRows[]): Array<{ flowId: string; keys: string[] }> {
  return linked.flatMap((g) => (g.rows.length > 0 && g.child.flowId ? [{ flowId: g.child.flowId, keys: g.rows.map((r) => r.key) }] : []))
}
