import { describe, expect, it } from 'vitest'
import { DOCUMENT_FORMAT, type MappingDocument } from '../../src/shared/mapping/document'
import { checkStepArguments } from '../../src/shared/mapping/document-steps'
import type { Step } from '../../src/shared/mapping/steps'
import { formatProblem } from '../../src/shared/problems'

/**
 * Step arguments that `validate` checks without either schema — patterns, expressions, time
 * zones — so a mistake is found with its path when the file is opened, not by a preview later.
 */

const documentWith = (...steps: Step[][]): MappingDocument => ({
  format: DOCUMENT_FORMAT,
  name: 't',
  flows: [
    {
      id: 'optout',
      kind: 'optOut',
      direction: 'both',
      source: { system: 'dynamics', table: 'contact' },
      target: { system: 'campaign', resource: 'profile' },
      match: { source: 'contactid', target: 'cusDynamicsContactId' },
      pairs: [{ dynamics: 'donotbulkemail', campaign: 'blackListEmail' }]
    },
    {
      id: 'contacts',
      kind: 'records',
      source: { system: 'dynamics', table: 'contact' },
      target: { system: 'campaign', resource: 'profile' },
      match: { source: 'contactid', target: 'cusDynamicsContactId' },
      fields: steps.map((s, i) => ({ target: `f${i}`, from: ['x'], ...(s.length ? { steps: s } : {}) }))
    }
  ]
})
const lines = (...steps: Step[][]) => checkStepArguments(documentWith(...steps)).map(formatProblem)

describe('step arguments', () => {
  it('good steps and fields without steps have no problems', () => {
    expect(
      lines(
        [],
        [{ fn: 'replace', pattern: '\\s+', replacement: ' ' }],
        [{ fn: 'expression', expr: 'firstname & " " & lastname' }],
        [
          { fn: 'parseDate', zone: 'Europe/Paris' },
          { fn: 'formatDate', format: 'date' }
        ],
        [{ fn: 'formatDate', format: 'iso', zone: 'UTC' }]
      )
    ).toEqual([])
  })

  it('a pattern is checked with its own flags (JavaScript syntax, then the linear-time engine)', () => {
    // "\-" is a plain "-" without the u flag, and an error with it.
    expect(lines([{ fn: 'replace', pattern: '\\-', replacement: '' }])).toEqual([])
    expect(lines([{ fn: 'replace', pattern: '\\-', replacement: '', flags: 'u' }])).toEqual([
      'flows[1].fields[0].steps[0].pattern: not a valid regular expression: /\\-/u: Invalid escape'
    ])
    expect(lines([{ fn: 'trim' }, { fn: 'replace', pattern: '(a)\\1', replacement: '' }])).toEqual([
      expect.stringMatching(/^flows\[1\]\.fields\[0\]\.steps\[1\]\.pattern: back-references/)
    ])
  })

  it('an expression that does not parse, at its path', () => {
    expect(lines([{ fn: 'trim' }], [{ fn: 'expression', expr: '$uppercase(' }])).toEqual([
      expect.stringMatching(/^flows\[1\]\.fields\[1\]\.steps\[0\]\.expr: not a valid JSONata expression/)
    ])
  })

  it('an unknown time zone, on reading or on writing a date', () => {
    expect(lines([{ fn: 'parseDate', zone: 'Mars/Olympus' }], [{ fn: 'formatDate', format: 'date', zone: 'Europe/Pariss' }])).toEqual([
      'flows[1].fields[0].steps[0].zone: "Mars/Olympus" is not a time zone — use an IANA name such as "Europe/Paris", or "UTC"',
      'flows[1].fields[1].steps[0].zone: "Europe/Pariss" is not a time zone — use an IANA name such as "Europe/Paris", or "UTC"'
    ])
  })

  it('every problem is an error: a run would fail on it', () => {
    const problems = checkStepArguments(documentWith([{ fn: 'parseDate', zone: 'x' }], [{ fn: 'expression', expr: '(' }]))
    expect(problems.map((p) => p.severity)).toEqual(['error', 'error'])
  })
})
