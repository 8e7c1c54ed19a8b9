import { describe, expect, it } from 'vitest'
import { extractGriffelCss, griffelStylesheet } from '../../scripts/griffel-css.mjs'

// Fluent UI's compiled output, as its packages ship it (e.g. @fluentui/react-button's useButtonStyles.styles.js).
const fluentModule = `import { __styles, __resetStyles, mergeClasses } from "@griffel/react";
const useRootBaseClassName = /*#__PURE__*/__resetStyles("r1f29ykk", null, [".r1f29ykk{display:inline-flex;}"]);
const useRootStyles = /*#__PURE__*/__styles({
  small: { Bg96gwp: "fwrc4pm" }
}, {
  d: [".fwrc4pm{padding:3px;}", [".fabc{padding-left:1px;}", { p: -1 }]],
  h: [".fhov:hover{color:red;}"],
  m: [["@media (forced-colors: active){.fm1{color:Highlight;}}", { m: "(forced-colors: active)" }]]
});
const dynamic = __styles({ root: { a: "fx" } }, { d: [someVariable] });
export { useRootBaseClassName, useRootStyles, dynamic };`

describe('griffel-css: Fluent UI styles extracted at build time', () => {
  it('makes each literal call insertion-free and leaves a call with computed rules to the runtime', () => {
    const marked: unknown[] = []
    const result = extractGriffelCss(fluentModule, (rules) => (marked.push(rules), `m${marked.length}`))!
    expect(result.calls).toBe(2)
    expect(result.left).toBe(1)
    expect(result.code).toContain('__ssGriffelResetCss("r1f29ykk", null, "m1")')
    expect(result.code).toContain('/*#__PURE__*/__ssGriffelCss({\n  small: { Bg96gwp: "fwrc4pm" }\n}, "m2")')
    expect(result.code).toContain('__styles({ root: { a: "fx" } }, { d: [someVariable] })')
    expect(result.code.startsWith("import { __css as __ssGriffelCss, __resetCSS as __ssGriffelResetCss } from '@griffel/react';")).toBe(
      true
    )
    expect(marked[0]).toEqual({ r: ['.r1f29ykk{display:inline-flex;}'] })
    expect(marked[1]).toMatchObject({ h: ['.fhov:hover{color:red;}'] })
  })

  it('leaves a module without Griffel calls alone', () => {
    expect(extractGriffelCss('export const a = 1', () => 'x')).toBeUndefined()
    expect(extractGriffelCss('const __styles = () => 1; __styles({}, {})', () => 'x')).toBeUndefined()
  })

  it('orders rules as the runtime orders its style elements: reset, default by priority, hover, media; each rule once', () => {
    const css = griffelStylesheet([
      { m: [['@media (min-width: 2px){.b{color:red;}}', { m: '(min-width: 2px)' }]], h: ['.h:hover{color:red;}'] },
      { d: ['.d{padding:0;}', ['.s{padding:1px;}', { p: -1 }]], r: ['.r{display:flex;}'] },
      { d: ['.d{padding:0;}'], m: [['@media (min-width: 1px){.a{color:red;}}', { m: '(min-width: 1px)' }]] }
    ])
    const order = ['.r{', '.s{', '.d{', '.h:hover', '(min-width: 1px)', '(min-width: 2px)'].map((text) => css.indexOf(text))
    expect(order.every((at) => at >= 0)).toBe(true)
    expect([...order].sort((a, b) => a - b)).toEqual(order)
    expect(css.split('.d{padding:0;}').length).toBe(2)
  })

  it('refuses a style bucket it does not know, rather than placing its rules at random', () => {
    expect(() => griffelStylesheet([{ z: ['.z{}'] }])).toThrow(/unknown style bucket "z"/)
  })
})
