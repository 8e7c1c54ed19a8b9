import { visit } from 'jsonc-parser'
import { quoted, type PathSegment, type Problem } from '../problems'
import { MAX_PROBLEMS } from './document-bounds'

/**
 * Keys written twice in one object. JSON.parse keeps the last one and drops the first without
 * a word, so a hand-edited file ({"1": "male", "1": "female"}) would load as something other
 * than what it says. Runs on text JSON.parse accepted and checkText bounded in depth, so
 * jsonc-parser's recursion is safe; each object's keys are one Set, so the cost is linear.
 */
export function duplicateKeys(text: string): Problem[] {
  const problems: Problem[] = []
  const objects: Array<Set<string>> = []
  visit(
    text,
    {
      onObjectBegin: () => void objects.push(new Set()),
      onObjectEnd: () => void objects.pop(),
      onObjectProperty: (property, _offset, _length, line, column, pathSupplier) => {
        const keys = objects[objects.length - 1]
        if (!keys.has(property)) return void keys.add(property)
        if (problems.length >= MAX_PROBLEMS) return
        problems.push({
          severity: 'error',
          path: pathSupplier() as PathSegment[],
          message: `the key ${quoted(property)} is written twice (line ${line + 1}, column ${column + 1}) — JSON keeps only the last one; remove or rename the other`
        })
      }
    },
    { disallowComments: true }
  )
  return problems
}
