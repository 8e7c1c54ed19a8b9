import type { Flow, MappingDocument } from '../../shared/mapping/document'
import { formatPath, type Problem } from '../../shared/problems'
import type { Table } from '../../shared/schema/model'
import { connectionsOf, endsOf } from '../state/flow-schema'
import { tableKey, type Loadable } from '../state/schema-store'

/**
 * A problem in the user's words: where it is as the app names things (the flow's name, the
 * field's display name), and the message with quoted field names shown by display name.
 * The engine's messages stay as they are for the CLI and files; only the panel rewords.
 */
export interface ProblemWords {
  where: string
  message: string
}

/** "1 error", "2 errors": the count and the noun, in the right number. */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`

const flowName = (flow: Flow, index: number) => flow.name ?? flow.id ?? `Flow ${index + 1}`

/** The fields of a flow's source and target, by logical name, from the schemas loaded so far. */
function fieldsOf(document: MappingDocument, flow: Flow, tables: Record<string, Loadable<Table>>): Map<string, string> {
  const connections = connectionsOf(document)
  const names = new Map<string, string>()
  for (const end of Object.values(endsOf(flow))) {
    if (!('name' in end)) continue
    const entry = tables[tableKey(end.system, connections[end.system], end.name)]
    if (entry?.status !== 'ready') continue
    for (const field of entry.value.fields) if (!names.has(field.name)) names.set(field.name, field.displayName)
  }
  return names
}

const part: Record<string, string> = {
  filter: 'filter',
  match: 'match key',
  source: 'source',
  target: 'target',
  links: 'links',
  sync: 'sync settings',
  pairs: 'opt-out pairs',
  direction: 'direction',
  name: 'name',
  connections: 'connections'
}

export function describeProblem(
  problem: Problem,
  document: MappingDocument | undefined,
  tables: Record<string, Loadable<Table>>
): ProblemWords {
  const [head, index, where, at, ...rest] = problem.path
  const flow = head === 'flows' && typeof index === 'number' ? document?.flows[index] : undefined
  if (!document || !flow || typeof index !== 'number') {
    return {
      where: problem.path.length
        ? head === 'flows'
          ? 'Flows'
          : head === 'connections'
            ? 'Connections'
            : formatPath(problem.path)
        : 'Mapping',
      message: reword(problem.message, document, new Map())
    }
  }
  const fields = fieldsOf(document, flow, tables)
  const label = (name: string) => (fields.get(name) && fields.get(name) !== name ? `${fields.get(name)} (${name})` : name)
  let place = flowName(flow, index)
  if (where === 'fields' && typeof at === 'number' && flow.kind !== 'optOut') {
    const mapping = flow.fields[at]
    if (mapping) {
      place += ` · ${label(mapping.target)}`
      if (rest[0] === 'steps' && typeof rest[1] === 'number')
        place += ` · step ${rest[1] + 1}${mapping.steps?.[rest[1]] ? ` (${mapping.steps[rest[1]].fn})` : ''}`
    }
  } else if (typeof where === 'string') place += ` · ${part[where] ?? where}`
  return { where: place, message: reword(problem.message, document, fields) }
}

/** `"emailaddress1"` → `Email (emailaddress1)` for known fields; `flows[2]` → the flow's name. */
function reword(message: string, document: MappingDocument | undefined, fields: Map<string, string>): string {
  let text = message.replace(/"([A-Za-z_][\w.]*)"/g, (whole, name: string) => {
    const display = fields.get(name)
    return display ? (display === name ? name : `${display} (${name})`) : whole
  })
  if (document)
    text = text.replace(/\bflows\[(\d+)\]/g, (whole, n: string) =>
      document.flows[Number(n)] ? `"${flowName(document.flows[Number(n)], Number(n))}"` : whole
    )
  return text
}
