import type { MappingDocument } from '../../shared/mapping/document'
import { validateMapping } from '../../shared/mapping/engine'
import { formatProblem, type Problem } from '../../shared/problems'
import { catalogOf, type SchemaCatalog, type System, type Table } from '../../shared/schema'
import type { CampaignConnector } from '../connectors/campaign/connector'
import type { DynamicsConnector } from '../connectors/dynamics/connector'
import { NO_SUCH_CONNECTION } from '../connections/connection-service'
import { isConnectorError } from '../connectors/http/errors'
import { ServiceError } from '../errors'

/**
 * A mapping document checked against the schemas of its connections: every table and
 * resource its flows name is read from the connected systems (cached by the connectors),
 * then `validateMapping` runs on them — the same rules the window shows. `validate`,
 * `preview`, `run` and the app's runs all go through here before a record is read.
 */

export interface SchemaConnections {
  dynamics(name: string): Promise<DynamicsConnector>
  campaign(name: string): Promise<CampaignConnector>
}

export interface DocumentSchemas {
  catalog: SchemaCatalog
  /** Connections that could not be reached (their schemas are not checked), with why. */
  unreachable: string[]
  /**
   * Connections the document names that do not exist here: errors at `connections.<system>`
   * (a run of it fails before a record is read), not a network's passing failure.
   */
  missing: Problem[]
}

/** A document with schema errors: nothing may be read or written until they are fixed. */
export class SchemaProblemsError extends ServiceError {
  constructor(override readonly problems: Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error')
    super(
      `The mapping does not fit the connected schemas (${errors.length} error${errors.length === 1 ? '' : 's'}) — fix ${errors.length === 1 ? 'it' : 'them'} and try again:\n${errors
        .slice(0, 20)
        .map((p) => `  ${formatProblem(p)}`)
        .join('\n')}${errors.length > 20 ? `\n  … and ${errors.length - 20} more` : ''}`,
      'refused'
    )
    this.name = 'SchemaProblemsError'
  }
}

/** The tables each system is asked for, by the flows of the document. */
function wanted(document: MappingDocument): Record<System, Set<string>> {
  const out: Record<System, Set<string>> = { dynamics: new Set(), campaign: new Set() }
  for (const flow of document.flows) {
    if (flow.kind === 'records') {
      out.dynamics.add(flow.source.table)
      out.campaign.add(flow.target.resource)
    } else if (flow.kind === 'events') out.dynamics.add(flow.target.table)
    else {
      out.dynamics.add(flow.source.table)
      out.campaign.add(flow.target.resource)
    }
  }
  return out
}

function reason(error: unknown): string {
  if (isConnectorError(error)) return `${error.message}${error.hint ? ` ${error.hint}` : ''}`
  return error instanceof Error ? error.message : String(error)
}

/** Reads the schemas a document needs. An unknown table is simply absent (validation names it, with a "did you mean"). */
export async function loadDocumentSchemas(
  document: MappingDocument,
  connections: SchemaConnections,
  signal?: AbortSignal
): Promise<DocumentSchemas> {
  const names = { dynamics: document.connections?.dynamics ?? 'Sandbox', campaign: document.connections?.campaign ?? 'Sandbox' }
  const want = wanted(document)
  const tables: Table[] = []
  const listed: Partial<Record<System, string[]>> = {}
  const unreachable: string[] = []
  const missing: Problem[] = []
  const load = async (system: System) => {
    if (want[system].size === 0) return
    try {
      if (system === 'dynamics') {
        const connector = await connections.dynamics(names.dynamics)
        listed.dynamics = (await connector.listTables(signal)).map((t) => t.name)
        for (const name of want.dynamics) if (listed.dynamics.includes(name)) tables.push(await connector.getTable(name, signal))
      } else {
        const connector = await connections.campaign(names.campaign)
        listed.campaign = (await connector.listResources(signal)).map((r) => r.name)
        for (const name of want.campaign) if (listed.campaign.includes(name)) tables.push(await connector.getResource(name, signal))
      }
    } catch (error) {
      if (signal?.aborted) throw error
      if (isConnectorError(error) && error.code === NO_SUCH_CONNECTION) {
        missing.push({
          severity: 'error',
          path: ['connections', system],
          message: `${reason(error)} Create it (Connections in the app), define it with environment variables (docs/connections.md), or name one that exists here.`
        })
        return
      }
      unreachable.push(`${system === 'dynamics' ? 'Dynamics' : 'Campaign'} connection "${names[system]}": ${reason(error)}`)
    }
  }
  await Promise.all([load('dynamics'), load('campaign')])
  const base = catalogOf(tables)
  return { catalog: { find: base.find, names: (system) => listed[system] }, unreachable, missing }
}

/**
 * The document's problems against the connected schemas (errors and warnings): first each
 * connection nothing here defines (`missing`, also apart); then the mapping's own. Where a
 * connection was not checked (missing or unreachable) the "schema … is not loaded" warnings are
 * left out: the connection's error or note says it.
 */
export async function schemaProblems(
  document: MappingDocument,
  connections: SchemaConnections,
  signal?: AbortSignal
): Promise<{ problems: Problem[]; unreachable: string[]; missing: Problem[] }> {
  const { catalog, unreachable, missing } = await loadDocumentSchemas(document, connections, signal)
  const found = validateMapping(document, catalog)
  const unchecked = unreachable.length > 0 || missing.length > 0
  return {
    problems: [...missing, ...(unchecked ? found.filter((p) => !/is not loaded — connect/.test(p.message)) : found)],
    unreachable,
    missing
  }
}

/**
 * Refuses (throws `SchemaProblemsError`) a document with schema errors in the given flows or
 * across flows, or naming a connection nothing here defines. A connection that cannot be
 * reached is left to the run, which reports it.
 */
export async function assertFitsSchemas(
  document: MappingDocument,
  connections: SchemaConnections,
  flowIds?: readonly string[],
  signal?: AbortSignal
): Promise<void> {
  // A connection nothing here defines fails every flow before a record is read: refused, as validate says it.
  const { problems } = await schemaProblems(document, connections, signal)
  const indexes = new Set(document.flows.map((f, i) => (flowIds === undefined || flowIds.includes(f.id) ? i : -1)).filter((i) => i >= 0))
  const errors = problems.filter(
    (p) => p.severity === 'error' && (p.path[0] !== 'flows' || typeof p.path[1] !== 'number' || indexes.has(p.path[1]))
  )
  if (errors.length) throw new SchemaProblemsError(errors)
}
