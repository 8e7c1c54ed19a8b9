import { randomBytes } from 'node:crypto'
import type { DataStore } from '../data/store'
import { PagingCookies } from '../odata/paging-cookie'
import type { Catalog } from '../tables/catalog'

/** What every Web API route needs: the data, the names, the absolute URL, the caller. */
export class DataverseService {
  readonly cookies = new PagingCookies(randomBytes(16).toString('hex'))
  /** Orderby results cached per query and store version: paging a sorted result must not re-sort each page. */
  readonly sortCache = new Map<string, number[]>()

  constructor(
    readonly catalog: Catalog,
    readonly store: DataStore,
    /** `http://127.0.0.1:4500/api/data/v9.2/` */
    readonly apiUrl: string,
    /** The caller of the request being handled (set per request; route code is synchronous). */
    public userId: string,
    readonly businessUnitId: string,
    readonly organizationId: string,
    readonly deltaTokenTtlMs: number,
    readonly dopHint: number,
    readonly now: () => number = Date.now
  ) {}
}
