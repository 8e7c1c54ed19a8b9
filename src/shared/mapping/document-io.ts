import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser'
import { z } from 'zod'
import { formatPath, quoted, type Problem } from '../problems'
import { capProblems, checkText, checkValue, lineAndColumn } from './document-bounds'
import { duplicateKeys } from './document-duplicate-keys'
import { checkStepArguments } from './document-steps'
import { crossCheckDocument, DOCUMENT_FORMAT, MappingDocument, MappingDocumentShape } from './document'
import { problemsFromZod } from './problems'
import { keysAt } from './schema-keys'

/** Reading, checking and writing mapping documents: the same code for the app, the CLI and tests. */

export type DocumentResult = { ok: true; document: MappingDocument } | { ok: false; problems: Problem[] }

let schemaCache: Record<string, unknown> | undefined
// Stryker disable next-line all: built once and cached, so a mutant here is never re-run by the tests after the first; the did-you-mean tests fail without it
const schemaForHints = () => (schemaCache ??= mappingJsonSchema())

export function validateDocument(value: unknown): DocumentResult {
  // Bounds first, without recursion: the schema below recurses into filters.
  const bounds = checkValue(value)
  if (bounds.fatal) return { ok: false, problems: capProblems(bounds.problems) }
  const parsed = MappingDocument.safeParse(value)
  const reported = new Set(bounds.problems.map((p) => formatPath(p.path)))
  const shape = parsed.success
    ? []
    : problemsFromZod(parsed.error, value, (path) => keysAt(schemaForHints(), path)).filter((p) => !reported.has(formatPath(p.path)))
  const steps = parsed.success ? checkStepArguments(parsed.data) : []
  // Limits and policy, then shape problems, then cross-document ones, then step arguments.
  const problems = [...bounds.problems, ...shape, ...crossCheckDocument(value), ...steps]
  if (parsed.success && problems.length === 0) return { ok: true, document: parsed.data }
  return { ok: false, problems: capProblems(problems) }
}

const syntaxWords: Record<string, string> = {
  InvalidSymbol: 'unexpected characters (text needs double quotes; true, false and null are lower-case)',
  InvalidNumberFormat: 'a number written the wrong way',
  PropertyNameExpected: 'a key in double quotes is expected (a comma before "}" is not allowed)',
  ValueExpected: 'a value is expected (a comma before "]" is not allowed)',
  ColonExpected: 'a ":" is expected after the key',
  CommaExpected: 'a "," is expected',
  CloseBraceExpected: 'a "}" is expected',
  CloseBracketExpected: 'a "]" is expected',
  EndOfFileExpected: 'the document should end here',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'a text is not closed with a double quote before the end of the line',
  UnexpectedEndOfNumber: 'a number ends too early',
  InvalidUnicode: 'a \\u escape needs four hex digits',
  InvalidEscapeCharacter: 'an unknown escape after "\\"',
  InvalidCharacter: 'a control character (a tab or line break) inside a text — write it as \\t or \\n'
}

/**
 * Where and what the syntax error is. V8's message names the position for most errors but
 * not all (and then quotes the text, which may hold anything); jsonc-parser, which reports
 * an offset for every error, fills in. Its recursion is safe here: checkText has already
 * refused anything nested deeper than the document limit.
 */
function syntaxProblem(text: string, error: unknown): Problem {
  const v8 = error instanceof Error ? error.message : String(error)
  const position = /at position (\d+)/.exec(v8)
  const errors: ParseError[] = []
  // Stryker disable next-line BooleanLiteral: an empty file is answered below before these errors are read
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false })
  const first = errors[0]
  let offset: number
  let what: string
  if (position) {
    offset = Number(position[1])
    // Stryker disable next-line Regex: `.*` with the s flag runs to the end, so the anchor and the digits' count change nothing
    what = v8.replace(/ in JSON at position \d+.*$/s, '')
    // Stryker disable next-line ConditionalExpression: the else below is for a V8 error jsonc-parser does not see; none is known, so true and the test agree
  } else if (first) {
    offset = first.offset
    what = syntaxWords[printParseErrorCode(first.error)] ?? printParseErrorCode(first.error)
    // Stryker disable next-line BlockStatement: see below
  } else {
    // Stryker disable next-line all: no known text reaches here (every V8 error without a position is one jsonc-parser reports); kept so such a text still gets a message
    offset = text.length
    // Stryker disable next-line all: as above
    what = /end of JSON input/.test(v8) ? 'the file ends too early' : 'not readable as JSON'
  }
  if (text.trim() === '') {
    return {
      severity: 'error',
      path: [],
      message: 'the file is empty — a mapping file is a JSON object starting with { "format": "sync-studio/mapping@1" }'
    }
  }
  // Read as UTF-8, a UTF-16 file (Notepad's "Unicode", PowerShell's default) has a NUL beside
  // every ASCII character, after two replacement characters where its byte-order mark was.
  if (looksUtf16(text)) {
    return {
      severity: 'error',
      path: [],
      message: 'the file is UTF-16 text (every other byte is zero), and a mapping file is UTF-8 — save it again as UTF-8'
    }
  }
  const at = lineAndColumn(text, offset)
  return {
    severity: 'error',
    path: [],
    message: `not valid JSON at line ${at.line}, column ${at.column}: ${what} — fix the syntax (a missing comma or quote is the usual cause)`
  }
}

/** An ASCII character beside a NUL at the start (after a byte-order mark read as two U+FFFD): UTF-16 read as UTF-8. */
function looksUtf16(text: string): boolean {
  const start = text.startsWith('\uFFFD\uFFFD') ? 2 : 0
  const first = text.charCodeAt(start)
  const second = text.charCodeAt(start + 1)
  const ascii = (code: number) => code > 0 && code < 0x80
  return (first === 0 && ascii(second)) || (second === 0 && ascii(first))
}

export function parseDocumentText(input: string): DocumentResult {
  const text = input.replace(/^\uFEFF/, '')
  const tooBig = checkText(text)
  if (tooBig) return { ok: false, problems: [tooBig] }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { ok: false, problems: [syntaxProblem(text, error)] }
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
            message: `this file is ${quoted(format)}, and this version of Sync Studio reads "${DOCUMENT_FORMAT}" — open it with the version that wrote it, or update Sync Studio`
          }
        ]
      }
    }
  }
  const duplicates = duplicateKeys(text)
  const result = validateDocument(value)
  if (duplicates.length === 0) return result
  return { ok: false, problems: capProblems([...duplicates, ...(result.ok ? [] : result.problems)]) }
}

/** Record keys are sorted where their order carries no meaning, so diffs stay small. */
function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  // Stryker disable next-line EqualityOperator,ConditionalExpression: an object's keys are unique, so two never compare equal
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
  // Stryker disable next-line ObjectLiteral,StringLiteral: zod's defaults today (draft 2020-12; the document has nothing unrepresentable), said for the reader and for a zod that changes them
  const schema = z.toJSONSchema(MappingDocumentShape, { target: 'draft-2020-12', unrepresentable: 'any' })
  return {
    ...schema,
    $id: 'https://sync-studio.dev/schema/mapping-1.json',
    title: 'Sync Studio mapping document (sync-studio/mapping@1)'
  }
}
