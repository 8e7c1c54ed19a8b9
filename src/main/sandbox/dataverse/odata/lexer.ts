import { DataverseError } from '../errors'

/** Tokens of the OData expression subset Dataverse accepts in $filter and $orderby. */
export type Token =
  | { t: 'ident'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'enum'; type: string; v: string; at: number }
  | { t: 'number'; v: number; text: string; at: number }
  | { t: 'guid'; v: string; at: number }
  | { t: 'datetime'; v: string; at: number }
  | { t: 'date'; v: string; at: number }
  | { t: 'alias'; v: string; at: number }
  | { t: 'punct'; v: '(' | ')' | ',' | '=' | '[' | ']' | ':'; at: number }

const guidAt = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/
const dateTimeAt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})/
const dateAt = /^\d{4}-\d{2}-\d{2}(?![\dT])/
const numberAt = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?/
const identAt = /^[A-Za-z_$][\w.$]*(?:\/[A-Za-z_$][\w.$]*)*/

export function syntaxError(message: string): DataverseError {
  return new DataverseError(400, '0x80060888', `Syntax error: ${message}`)
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const ch = text[i]
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++
      continue
    }
    const rest = text.slice(i)
    if ('(),=[]:'.includes(ch)) {
      tokens.push({ t: 'punct', v: ch as '(', at: i })
      i++
      continue
    }
    if (ch === "'" || ch === '"') {
      const { value, end } = readQuoted(text, i, ch)
      tokens.push({ t: 'string', v: value, at: i })
      i = end
      continue
    }
    if (ch === '@') {
      const m = /^@[A-Za-z_]\w*/.exec(rest)
      if (!m) throw syntaxError(`character '@' at position ${i} is not valid.`)
      tokens.push({ t: 'alias', v: m[0], at: i })
      i += m[0].length
      continue
    }
    let m = guidAt.exec(rest)
    if (m) {
      tokens.push({ t: 'guid', v: m[0].toLowerCase(), at: i })
      i += m[0].length
      continue
    }
    m = dateTimeAt.exec(rest)
    if (m) {
      tokens.push({ t: 'datetime', v: m[0], at: i })
      i += m[0].length
      continue
    }
    m = dateAt.exec(rest)
    if (m) {
      tokens.push({ t: 'date', v: m[0], at: i })
      i += m[0].length
      continue
    }
    m = numberAt.exec(rest)
    if (m) {
      const text = m[0].replace(/[mMdDfFlL]$/, '')
      tokens.push({ t: 'number', v: Number(text), text, at: i })
      i += m[0].length
      continue
    }
    m = identAt.exec(rest)
    if (m) {
      const end = i + m[0].length
      if (text[end] === "'") {
        // Enum literal: Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'
        const { value, end: after } = readQuoted(text, end, "'")
        tokens.push({ t: 'enum', type: m[0], v: value, at: i })
        i = after
        continue
      }
      tokens.push({ t: 'ident', v: m[0], at: i })
      i = end
      continue
    }
    throw syntaxError(`character '${ch}' at position ${i} is not valid.`)
  }
  return tokens
}

function readQuoted(text: string, start: number, quote: string): { value: string; end: number } {
  let value = ''
  let i = start + 1
  while (i < text.length) {
    const ch = text[i]
    if (ch === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        value += "'"
        i += 2
        continue
      }
      return { value, end: i + 1 }
    }
    if (quote === '"' && ch === '\\' && i + 1 < text.length) {
      value += text[i + 1]
      i += 2
      continue
    }
    value += ch
    i++
  }
  throw syntaxError(`there is an unterminated string literal at position ${start} in '${text}'.`)
}
