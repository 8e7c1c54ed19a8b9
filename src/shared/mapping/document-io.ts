import { z } from 'zod'
import type { Problem } from '../problems'
import { crossCheckDocument, DOCUMENT_FORMAT, MappingDocument, MappingDocumentShape } from './document'
import { problemsFromZod } from './problems'

/** Reading, checking and writing mapping documents: the same code for the app, the CLI and tests. */

export type DocumentResult = { ok: true; document: MappingDocument } | { ok: false; problems: Problem[] }

let knownKeysCache: string[] | undefined
/** Every key any object in the document schema declares, for "did you mean" hints. */
function knownKeys(): string[] {
  if (knownKeysCache) return knownKeysCache
  const keys = new Set<string>()
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit)
    else if (node && typeof node === 'object') {
      const properties = (node as { properties?: Record<string, unknown> }).properties
      if (properties) Object.keys(properties).forEach((k) => keys.add(k))
      Object.values(node).forEach(visit)
    }
  }
  visit(mappingJsonSchema())
  knownKeysCache = [...keys]
  return knownKeysCache
}

export function validateDocument(value: unknown): DocumentResult {
  const parsed = MappingDocument.safeParse(value)
  const problems = [...(parsed.success ? [] : problemsFromZod(parsed.error, value, knownKeys())), ...crossCheckDocument(value)]
  if (parsed.success && problems.length === 0) return { ok: true, document: parsed.data }
  // Shape problems first, then cross-document ones, each group in document order.
  return { ok: false, problems }
}

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - before.lastIndexOf('\n') }
}

export function parseDocumentText(text: string): DocumentResult {
  let value: unknown
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const position = /position (\d+)/.exec(message)
    const where = position ? lineAndColumn(text, Number(position[1])) : undefined
    return {
      ok: false,
      problems: [
        {
          severity: 'error',
          path: [],
          message: `not valid JSON${where ? ` at line ${where.line}, column ${where.column}` : ''}: ${message.replace(/ in JSON at position \d+.*$/, '')} — fix the syntax (a missing comma or quote is the usual cause)`
        }
      ]
    }
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const format = (value as { format?: unknown }).format
    if (typeof format === 'string' && format !== DOCUMENT_FORMAT && format.startsWith('sync-studio/mapping@')) {
      return {
        ok: false,
        problems: [
          {
            severity: 'error',
            path: ['format'],
            message: `this file is "${format}", and this version of Sync Studio reads "${DOCUMENT_FORMAT}" — open it with the version that wrote it, or update Sync Studio`
          }
        ]
      }
    }
  }
  return validateDocument(value)
}

/** Record keys are sorted where their order carries no meaning, so diffs stay small. */
function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * Pretty JSON with keys in the schema's order (zod rebuilds objects in shape order), so
 * the same document always gives the same bytes and a change gives a small diff.
 */
export function serializeDocument(document: MappingDocument): string {
  const parsed = MappingDocument.parse(document)
  const layout = parsed.layout
    ? sortedRecord(
        Object.fromEntries(
          Object.entries(parsed.layout).map(([flowId, flowLayout]) => [flowId, { ...flowLayout, nodes: sortedRecord(flowLayout.nodes) }])
        )
      )
    : undefined
  return `${JSON.stringify({ ...parsed, layout }, null, 2)}\n`
}

export function newDocument(name = 'Untitled mapping'): MappingDocument {
  return { format: DOCUMENT_FORMAT, name, connections: { dynamics: 'Sandbox', campaign: 'Sandbox' }, flows: [] }
}

/** The JSON Schema published in docs/ so editors can check mapping files. */
export function mappingJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(MappingDocumentShape, { target: 'draft-2020-12', unrepresentable: 'any' })
  return {
    ...schema,
    $id: 'https://sync-studio.dev/schema/mapping-1.json',
    title: 'Sync Studio mapping document (sync-studio/mapping@1)'
  }
}
