// The house rules of docs/architecture.md, enforced: which side may import what, React hook
// dependencies, and TypeScript hygiene. `npm run lint` is part of `npm test`.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// Import patterns (gitignore syntax, matched against the import text) that a side must not use.
const nodeBuiltins = { group: ['node:*'], message: 'src/shared is pure: no Node built-ins (docs/architecture.md).' }
const electron = {
  group: ['electron'],
  message: 'Electron is imported only at the edges of main: src/main/index.ts and src/main/electron/.'
}
const mainSide = { group: ['**/main/**', '**/main'], message: 'This side reaches main only through the contract (src/shared/contract.ts).' }
const onlySafeLinks = {
  selector: "MemberExpression[property.name='openExternal']",
  message: 'Open links only through openExternalSafely (src/main/electron/external-links.ts): it allows https only.'
}
const rendererSide = { group: ['**/renderer/**', '**/renderer'], message: 'Only the renderer imports renderer code.' }
const preloadSide = { group: ['**/preload/**', '**/preload'], message: 'Nothing imports the preload script.' }

/** One `no-restricted-imports` rule from a list of forbidden pattern groups. */
function forbid(...patterns) {
  return { 'no-restricted-imports': ['error', { patterns }] }
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.test-output/**',
      'test-results/**',
      'playwright-report/**',
      'coverage/**',
      'reports/**',
      '.stryker-tmp/**'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts,mjs,cjs,js}'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error', onlySafeLinks]
    }
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The classic rules of hooks and their dependencies. The plugin's React Compiler rules
      // (set-state-in-effect, refs…) are guidance for code the compiler rewrites; we do not use it.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      // Components talk through the stores and the actions registry (src/renderer/actions), never window events.
      'no-restricted-syntax': [
        'error',
        onlySafeLinks,
        {
          selector: "NewExpression[callee.name='CustomEvent']",
          message: 'No window events between components: run an action (src/renderer/actions/registry.ts) or use a store.'
        }
      ],
      ...forbid(nodeBuiltins, electron, mainSide, preloadSide)
    }
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: forbid(nodeBuiltins, electron, mainSide, rendererSide, preloadSide)
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: forbid(mainSide, rendererSide, {
      group: ['**/shared/*', '!**/shared/contract-names'],
      message: 'The sandboxed preload may import only src/shared/contract-names (no bundled dependencies).'
    })
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/index.ts', 'src/main/electron/**'],
    rules: forbid(electron, rendererSide, preloadSide)
  },
  {
    // Connectors reach the real services exactly as they reach the sandbox, so they never
    // know it; and they know nothing of sync, previews, documents or the app's workspace.
    files: ['src/main/connectors/**/*.ts'],
    rules: forbid(electron, rendererSide, preloadSide, {
      group: [
        '**/sandbox/**',
        '**/sync/**',
        '**/preview/**',
        '**/documents/**',
        '**/workspace/**',
        '**/connections/**',
        '**/contract/**',
        '**/cli/**',
        '**/services',
        '**/composition-root'
      ],
      message:
        'Connectors know nothing of the sandbox, sync, previews, documents, the workspace, connection profiles, the contract or the CLI: what they need (a token store, a network) is passed in (docs/architecture.md).'
    })
  },
  {
    // The dispatcher is generic: it maps the neutral ServiceError (src/main/errors.ts) and knows no service.
    files: ['src/main/contract/**/*.ts'],
    rules: forbid(electron, rendererSide, preloadSide, {
      group: [
        '**/connectors/**',
        '**/sandbox/**',
        '**/sync/**',
        '**/preview/**',
        '**/documents/**',
        '**/workspace/**',
        '**/connections/**',
        '**/cli/**',
        '**/services',
        '**/composition-root'
      ],
      message:
        'The contract layer knows no service: services throw ServiceError (src/main/errors.ts), which it maps (docs/architecture.md).'
    })
  },
  {
    // Services are called through the contract, not the other way round.
    files: ['src/main/{sync,preview,documents,workspace,connections,expressions}/**/*.ts'],
    rules: forbid(electron, rendererSide, preloadSide, {
      group: ['**/contract/dispatcher', '**/electron/**', '**/web', '**/cli/**'],
      message:
        'Services know nothing of the transports: throw ServiceError (src/main/errors.ts) and let the dispatcher map it (docs/architecture.md).'
    })
  },
  {
    // The simulators follow the published wire formats, not our clients.
    files: ['src/main/sandbox/**/*.ts'],
    rules: forbid(electron, rendererSide, preloadSide, {
      group: ['**/connectors/**', '**/sync/**', '**/preview/**', '**/documents/**', '**/workspace/**', '**/connections/**'],
      message: 'The sandbox is a stand-in for the real services: it never imports our client code (docs/architecture.md).'
    })
  },
  {
    files: ['src/main/electron/external-links.ts'],
    rules: { 'no-restricted-syntax': 'off' }
  },
  {
    files: ['tests/**/*.{ts,tsx}', 'bench/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // Tests read untyped wire bodies (JSON answers of the services) and assert on them.
      '@typescript-eslint/no-explicit-any': 'off',
      // Playwright reads a fixture's dependencies from its first parameter, which must be a pattern.
      'no-empty-pattern': ['error', { allowObjectPatternsAsParameters: true }]
    }
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  prettier
)
