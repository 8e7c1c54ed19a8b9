import { defineConfig } from 'vitest/config'

// The quick check (`npm run mutation -- --unit`): unit tests only, no sandbox servers. A mutant
// that only an integration test notices shows here as survived, so a quick score is a floor;
// the full `npm run mutation` is the figure to quote.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    exclude: ['tests/unit/house-rules.test.ts', 'tests/unit/packaging.test.ts'],
    environment: 'node',
    // The filter pushdown property test tries 1500 filters in a normal run; a quick check tries 200
    // per mutant (a wrong translation is usually found in the first few).
    env: { FILTER_PROPERTY_RUNS: '200' },
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
