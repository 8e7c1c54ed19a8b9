import { DataverseError } from '../errors'
import type { CompareOp, Expr, Literal, Operand } from './filter-ast'
import { syntaxError, tokenize, type Token } from './lexer'

/**
 * Recursive-descent parser for the $filter subset Dataverse documents (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows):
 * comparisons, and/or/not, parentheses, contains/startswith/endswith, and
 * Microsoft.Dynamics.CRM.<Function>(PropertyName=…,PropertyValue(s)=…). Parameter
 * aliases (@p1) are resolved from the query string; an unassigned alias is null.
 */
const compareOps = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le'])
const stringFunctions = new Set(['contains', 'startswith', 'endswith'])
const unsupportedOperators = new Set(['has', 'add', 'sub', 'mul', 'div', 'mod', 'in'])

export type Aliases = Record<string, string>

export function parseFilter(text: string, aliases: Aliases = {}): Expr {
  const parser = new Parser(tokenize(text), text, aliases)
  const expr = parser.expression()
  parser.expectEnd()
  return expr
}

/** Parses a literal or property written as an alias value (`@p1='lastname'`). */
export function parseAliasValue(text: string, aliases: Aliases): Operand {
  const parser = new Parser(tokenize(text), text, aliases)
  const operand = parser.operand()
  parser.expectEnd()
  return operand
}

class Parser {
  private pos = 0
  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
    private readonly aliases: Aliases,
    private readonly depth = 0
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos]
  }

  private next(): Token {
    const token = this.tokens[this.pos++]
    if (!token) throw syntaxError(`unexpected end of expression '${this.text}'.`)
    return token
  }

  private isPunct(v: string): boolean {
    const t = this.peek()
    return t?.t === 'punct' && t.v === v
  }

  private isKeyword(v: string): boolean {
    const t = this.peek()
    return t?.t === 'ident' && t.v === v
  }

  private expectPunct(v: string): void {
    const t = this.next()
    if (t.t !== 'punct' || t.v !== v) throw syntaxError(`'${v}' expected at position ${t.at} in '${this.text}'.`)
  }

  expectEnd(): void {
    const t = this.peek()
    if (t) throw syntaxError(`syntax error at position ${t.at} in '${this.text}'.`)
  }

  expression(): Expr {
    let left = this.and()
    while (this.isKeyword('or')) {
      this.pos++
      left = { k: 'or', l: left, r: this.and() }
    }
    return left
  }

  private and(): Expr {
    let left = this.unary()
    while (this.isKeyword('and')) {
      this.pos++
      left = { k: 'and', l: left, r: this.unary() }
    }
    return left
  }

  private unary(): Expr {
    if (this.isKeyword('not')) {
      this.pos++
      return { k: 'not', e: this.unary() }
    }
    return this.comparison()
  }

  private comparison(): Expr {
    if (this.isPunct('(')) {
      this.pos++
      const inner = this.expression()
      this.expectPunct(')')
      return inner
    }
    const t = this.peek()
    if (t?.t === 'ident' && this.tokens[this.pos + 1]?.t === 'punct' && (this.tokens[this.pos + 1] as { v: string }).v === '(') {
      return this.call()
    }
    const left = this.operand()
    const op = this.peek()
    if (op?.t === 'ident' && compareOps.has(op.v)) {
      this.pos++
      return { k: 'cmp', op: op.v as CompareOp, l: left, r: this.operand() }
    }
    if (op?.t === 'ident' && unsupportedOperators.has(op.v)) {
      throw new DataverseError(400, '0x0', `The '${op.v}' operator is not supported.`)
    }
    throw syntaxError(`a binary operator was expected at position ${op?.at ?? this.text.length} in '${this.text}'.`)
  }

  private call(): Expr {
    const name = (this.next() as { v: string }).v
    this.expectPunct('(')
    if (stringFunctions.has(name)) {
      const args: Operand[] = [this.operand()]
      while (this.isPunct(',')) {
        this.pos++
        args.push(this.operand())
      }
      this.expectPunct(')')
      if (args.length !== 2) throw syntaxError(`the function '${name}' requires two arguments.`)
      return { k: 'fn', name: name as 'contains', args }
    }
    if (name.startsWith('Microsoft.Dynamics.CRM.')) {
      const params: Record<string, Operand> = {}
      while (!this.isPunct(')')) {
        const key = this.next()
        if (key.t !== 'ident') throw syntaxError(`parameter name expected at position ${key.at} in '${this.text}'.`)
        this.expectPunct('=')
        params[key.v] = this.operand()
        if (this.isPunct(',')) this.pos++
      }
      this.expectPunct(')')
      return { k: 'crm', name: name.slice('Microsoft.Dynamics.CRM.'.length), params }
    }
    throw new DataverseError(
      400,
      '0x0',
      `An unknown function with name '${name}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`
    )
  }

  operand(): Operand {
    const t = this.next()
    switch (t.t) {
      case 'string':
        return lit({ type: 'string', value: t.v })
      case 'enum':
        return lit({ type: 'enum', value: t.v, enumType: t.type })
      case 'number':
        return lit(Number.isInteger(t.v) && !t.text.includes('.') ? { type: 'int', value: t.v } : { type: 'decimal', value: t.v })
      case 'guid':
        return lit({ type: 'guid', value: t.v })
      case 'datetime':
        return lit({ type: 'datetime', value: t.v })
      case 'date':
        return lit({ type: 'date', value: t.v })
      case 'alias': {
        const value = this.aliases[t.v]
        if (value === undefined) return lit({ type: 'null', value: null })
        if (this.depth > 3) throw syntaxError(`alias '${t.v}' refers to itself.`)
        const inner = new Parser(tokenize(value), value, this.aliases, this.depth + 1)
        const operand = inner.operand()
        inner.expectEnd()
        return operand
      }
      case 'ident':
        if (t.v === 'null') return lit({ type: 'null', value: null })
        if (t.v === 'true' || t.v === 'false') return lit({ type: 'bool', value: t.v === 'true' })
        return { k: 'prop', path: t.v.split('/') }
      case 'punct':
        if (t.v === '[') return lit({ type: 'array', value: this.array() })
        throw syntaxError(`unexpected '${t.v}' at position ${t.at} in '${this.text}'.`)
    }
  }

  private array(): Literal[] {
    const values: Literal[] = []
    while (!this.isPunct(']')) {
      const item = this.operand()
      if (item.k !== 'lit') throw syntaxError(`array items must be literals in '${this.text}'.`)
      values.push(item.lit)
      if (this.isPunct(',')) this.pos++
    }
    this.expectPunct(']')
    return values
  }
}

function lit(literal: Literal): Operand {
  return { k: 'lit', lit: literal }
}
