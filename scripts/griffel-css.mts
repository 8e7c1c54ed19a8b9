/**
 * Fluent UI's styles as a stylesheet built with the app, instead of CSS rules inserted one by
 * one while the first screen renders.
 *
 * Fluent's packages ship their styles already compiled (`__styles(classes, cssRules)`,
 * `__resetStyles(ltr, rtl, cssRules)` from Griffel): the first render of each component type
 * inserts its rules into the page with `CSSStyleSheet.insertRule`, one call per rule, and every
 * insertion makes the browser match styles again. On the mapping canvas that was the largest
 * share of what the first render costs over bare React Flow (docs/canvas-performance.md).
 * This plugin does at build time what Griffel's own extraction does for webpack
 * (https://griffel.js.org/react/guides/css-extraction): each such call becomes `__css(classes)`
 * / `__resetCSS(ltr, rtl)`, which give the same class names without inserting anything, and
 * the rules go into the entry's CSS file, in the order the runtime keeps them (style buckets:
 * reset, default, link, visited, focus-within, focus, focus-visible, hover, active, …, media
 * queries last; within a bucket by priority), after the app's own CSS as at runtime.
 *
 * A call whose rules are not plain literals is left as it is (Griffel inserts it at runtime);
 * the build says how many were left.
 */
import { parseAst, type Plugin } from 'vite'

type Entry = string | [string, Record<string, string | number>]
type RulesByBucket = Record<string, Entry[]>

/** Griffel's bucket order (@griffel/core `styleBucketOrdering`). */
const bucketOrder = ['r', 'd', 'l', 'v', 'w', 'f', 'i', 'h', 'a', 's', 'k', 't', 'm', 'c', 'x']

interface Node {
  type: string
  start: number
  end: number
  [key: string]: unknown
}

/** The value of a literal expression (strings, numbers, arrays, objects); undefined when it is anything else. */
function literal(node: Node): { value: unknown } | undefined {
  switch (node.type) {
    case 'Literal':
      return { value: node.value }
    case 'TemplateLiteral':
      return (node.expressions as Node[]).length === 0
        ? { value: (node.quasis as Array<{ value: { cooked: string } }>)[0].value.cooked }
        : undefined
    case 'UnaryExpression': {
      const inner = node.operator === '-' ? literal(node.argument as Node) : undefined
      return inner && typeof inner.value === 'number' ? { value: -inner.value } : undefined
    }
    case 'ArrayExpression': {
      const values: unknown[] = []
      for (const element of node.elements as Array<Node | null>) {
        const item = element ? literal(element) : undefined
        if (!item) return undefined
        values.push(item.value)
      }
      return { value: values }
    }
    case 'ObjectExpression': {
      const object: Record<string, unknown> = {}
      for (const property of node.properties as Node[]) {
        if (property.type !== 'Property' || property.computed || property.kind !== 'init') return undefined
        const key = property.key as Node
        const name = key.type === 'Identifier' ? (key.name as string) : key.type === 'Literal' ? String(key.value) : undefined
        const item = literal(property.value as Node)
        if (name === undefined || !item) return undefined
        object[name] = item.value
      }
      return { value: object }
    }
    default:
      return undefined
  }
}

function walk(node: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(node)) for (const item of node) walk(item, visit)
  else if (node && typeof node === 'object' && typeof (node as Node).type === 'string') {
    visit(node as Node)
    for (const key in node) if (key !== 'type' && key !== 'start' && key !== 'end') walk((node as Record<string, unknown>)[key], visit)
  }
}

const griffelModules = new Set(['@griffel/react', '@griffel/core'])

/** One module's code with its Griffel calls made insertion-free, and the rules they carried; undefined when there are none. */
export function extractGriffelCss(
  code: string,
  mark: (rules: RulesByBucket) => string
): { code: string; calls: number; left: number } | undefined {
  if (!code.includes('__styles') && !code.includes('__resetStyles')) return undefined
  const program = parseAst(code) as unknown as Node
  // The local names Griffel's build-output functions are imported under.
  const kinds = new Map<string, 'styles' | 'reset'>()
  for (const statement of program.body as Node[]) {
    if (statement.type !== 'ImportDeclaration' || !griffelModules.has((statement.source as Node).value as string)) continue
    for (const specifier of statement.specifiers as Node[]) {
      const imported = specifier.type === 'ImportSpecifier' ? ((specifier.imported as Node).name as string) : undefined
      if (imported === '__styles') kinds.set((specifier.local as Node).name as string, 'styles')
      if (imported === '__resetStyles') kinds.set((specifier.local as Node).name as string, 'reset')
    }
  }
  if (!kinds.size) return undefined
  const edits: Array<{ start: number; end: number; text: string }> = []
  let left = 0
  walk(program, (node) => {
    if (node.type !== 'CallExpression') return
    const callee = node.callee as Node
    const kind = callee.type === 'Identifier' ? kinds.get(callee.name as string) : undefined
    if (!kind) return
    const args = node.arguments as Node[]
    const source = (n: Node) => code.slice(n.start, n.end)
    if (kind === 'styles' && args.length === 2) {
      const css = literal(args[1])
      if (!css) return void left++
      const id = mark(css.value as RulesByBucket)
      edits.push({ start: node.start, end: node.end, text: `__ssGriffelCss(${source(args[0])}, ${JSON.stringify(id)})` })
    } else if (kind === 'reset' && args.length === 3) {
      const css = literal(args[2])
      if (!css) return void left++
      const id = mark(Array.isArray(css.value) ? { r: css.value as Entry[] } : (css.value as RulesByBucket))
      edits.push({
        start: node.start,
        end: node.end,
        text: `__ssGriffelResetCss(${source(args[0])}, ${source(args[1])}, ${JSON.stringify(id)})`
      })
    } else left++
  })
  if (!edits.length) return undefined
  let out = code
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end)
  out = `import { __css as __ssGriffelCss, __resetCSS as __ssGriffelResetCss } from '@griffel/react';\n${out}`
  return { code: out, calls: edits.length, left }
}

/** The rules of all modules as one stylesheet, in the order Griffel's runtime keeps its style elements; each rule once. */
export function griffelStylesheet(all: RulesByBucket[]): string {
  const rank = (bucket: string) => {
    const index = bucketOrder.indexOf(bucket)
    if (index < 0) throw new Error(`griffel-css: unknown style bucket "${bucket}"`)
    return index
  }
  const sheets = new Map<string, { bucket: string; media: string; priority: number; rules: string[] }>()
  const seen = new Set<string>()
  for (const byBucket of all)
    for (const [bucket, entries] of Object.entries(byBucket))
      for (const entry of entries) {
        const [rule, meta = {}] = Array.isArray(entry) ? entry : [entry]
        if (seen.has(rule)) continue
        seen.add(rule)
        const media = String(meta.m ?? meta.x ?? '')
        const priority = Number(meta.p ?? 0)
        const key = `${bucket}|${media}|${priority}`
        let sheet = sheets.get(key)
        if (!sheet) sheets.set(key, (sheet = { bucket, media, priority, rules: [] }))
        rank(bucket)
        sheet.rules.push(rule)
      }
  // Media and container queries: in Griffel's default order (by their text), as `defaultCompareMediaQueries` does.
  const ordered = [...sheets.values()].sort(
    (a, b) => rank(a.bucket) - rank(b.bucket) || (a.media < b.media ? -1 : a.media > b.media ? 1 : 0) || a.priority - b.priority
  )
  return ordered.map((sheet) => sheet.rules.join('')).join('\n')
}

/** The mark a rewritten call carries (an extra argument `__css` ignores): its rules go into the CSS only if the call is still in the bundle. */
const MARK = 'ss-griffel:'

/** The Vite plugin: a production build only (the dev server keeps Griffel's runtime insertion). */
export function griffelCss(): Plugin {
  const byMark = new Map<string, RulesByBucket>()
  let left = 0
  return {
    name: 'sync-studio:griffel-css',
    apply: 'build',
    enforce: 'post',
    buildStart() {
      byMark.clear()
      left = 0
    },
    transform(code, id) {
      if (id.includes('\0') || !/\.[cm]?js$/.test(id.split('?')[0])) return null
      const result = extractGriffelCss(code, (rules) => {
        const mark = `${MARK}${byMark.size}`
        byMark.set(mark, rules)
        return mark
      })
      if (!result) return null
      left += result.left
      return { code: result.code, map: null }
    },
    generateBundle(_options, bundle) {
      if (!byMark.size) return
      // Only the calls tree-shaking kept (a style hook no component uses is not in the bundle), in the order they are bundled.
      const kept: RulesByBucket[] = []
      for (const output of Object.values(bundle))
        if (output.type === 'chunk')
          for (const match of output.code.matchAll(new RegExp(`["'\`](${MARK}\\d+)["'\`]`, 'g'))) {
            const rules = byMark.get(match[1])
            if (rules) kept.push(rules)
          }
      const css = griffelStylesheet(kept)
      // After the entry's own CSS, where the runtime would have put its style elements (the end of <head>).
      const entryCss = Object.values(bundle).flatMap((output) =>
        output.type === 'chunk' && output.isEntry ? [...(output.viteMetadata?.importedCss ?? [])] : []
      )
      const target = entryCss[0] ? bundle[entryCss[0]] : undefined
      if (!target || target.type !== 'asset') {
        this.error('griffel-css: the entry has no CSS file to add Fluent UI styles to')
        return
      }
      target.source = `${typeof target.source === 'string' ? target.source : Buffer.from(target.source).toString('utf8')}\n${css}\n`
      this.info(
        `Fluent UI styles: ${kept.length} style hooks, ${css.length} bytes of CSS${left ? `; ${left} calls left to the runtime` : ''}`
      )
    }
  }
}
