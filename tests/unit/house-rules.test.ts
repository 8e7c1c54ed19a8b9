// The layering of docs/architecture.md is enforced by ESLint (eslint.config.mjs): this shows
// that a wrong import fails `npm run lint`, side by side with the same import where it is allowed.
import { ESLint } from 'eslint'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const root = join(__dirname, '..', '..')
let eslint: ESLint

beforeAll(() => {
  eslint = new ESLint({ cwd: root })
})

/** The restricted-import messages ESLint reports for `code` placed at `file` in the repo. */
async function refusals(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) })
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('house rules (eslint.config.mjs)', () => {
  it('keeps src/shared pure: no Node built-ins, no Electron, nothing of main or the renderer', async () => {
    expect(
      await refusals('src/shared/mapping/x.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync\n")
    ).toHaveLength(1)
    expect(await refusals('src/shared/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toHaveLength(1)
    expect(await refusals('src/shared/mapping/x.ts', "import { a } from '../../main/services'\nexport const b = a\n")).toHaveLength(1)
    expect(await refusals('src/shared/x.ts', "import { a } from '../renderer/App'\nexport const b = a\n")).toHaveLength(1)
    expect(await refusals('src/main/x.ts', "import { readFileSync } from 'node:fs'\nexport const a = readFileSync\n")).toHaveLength(0)
  })

  it('lets the renderer reach main only through the contract', async () => {
    expect(await refusals('src/renderer/panels/x.tsx', "import { a } from '../../main/sync/runner'\nexport const b = a\n")).toHaveLength(1)
    expect(await refusals('src/renderer/panels/x.tsx', "import { a } from '../../shared/contract'\nexport const b = a\n")).toHaveLength(0)
  })

  it('keeps Electron at the edges of main', async () => {
    expect(await refusals('src/main/sync/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toHaveLength(1)
    expect(await refusals('src/main/electron/x.ts', "import { app } from 'electron'\nexport const a = app\n")).toHaveLength(0)
  })

  it('keeps the connectors and the sandbox apart', async () => {
    expect(
      await refusals('src/main/connectors/campaign/x.ts', "import { a } from '../../sandbox/index'\nexport const b = a\n")
    ).toHaveLength(1)
    expect(
      await refusals('src/main/sandbox/campaign/x.ts', "import { a } from '../../connectors/http/client'\nexport const b = a\n")
    ).toHaveLength(1)
  })

  it('points the arrows inward: connectors take what they need, the dispatcher knows no service', async () => {
    // A connector gets its token store passed in; it never reaches into the app's workspace.
    expect(
      await refusals(
        'src/main/connectors/dynamics/auth.ts',
        "import type { SecretStore } from '../../workspace/secrets'\nexport type A = SecretStore\n"
      )
    ).toHaveLength(1)
    expect(await refusals('src/main/connectors/dynamics/x.ts', "import { a } from '../token-provider'\nexport const b = a\n")).toHaveLength(
      0
    )
    // The generic dispatcher maps the neutral ServiceError, not a connector's error type.
    expect(
      await refusals(
        'src/main/contract/dispatcher.ts',
        "import { isConnectorError } from '../connectors/http/errors'\nexport const a = isConnectorError\n"
      )
    ).toHaveLength(1)
    expect(
      await refusals('src/main/contract/dispatcher.ts', "import { ServiceError } from '../errors'\nexport const a = ServiceError\n")
    ).toHaveLength(0)
    // Services throw ServiceError; they never import the transport that shows it.
    expect(
      await refusals('src/main/sync/x.ts', "import { createDispatcher } from '../contract/dispatcher'\nexport const a = createDispatcher\n")
    ).toHaveLength(1)
    expect(await refusals('src/main/sync/x.ts', "import { ServiceError } from '../errors'\nexport const a = ServiceError\n")).toHaveLength(
      0
    )
  })

  it('lets the preload import the call names and nothing else of ours', async () => {
    expect(await refusals('src/preload/index.ts', "import { a } from '../shared/contract-names'\nexport const b = a\n")).toHaveLength(0)
    expect(await refusals('src/preload/index.ts', "import { a } from '../shared/contract'\nexport const b = a\n")).toHaveLength(1)
  })

  it('opens links only through the https-only helper', async () => {
    const [result] = await eslint.lintText("import { shell } from 'electron'\nvoid shell.openExternal('http://x')\n", {
      filePath: join(root, 'src/main/electron/menu.ts')
    })
    expect(result.messages.map((m) => m.ruleId)).toContain('no-restricted-syntax')
  })
})
