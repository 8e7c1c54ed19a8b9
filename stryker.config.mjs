// Mutation testing of the pure core (README, "Development"): `npm run mutation` changes the code
// a little, one mutant at a time, and checks that some test notices. Equivalent mutants (no
// behaviour can tell them apart) are marked in the code with `// Stryker disable next-line …: why`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.mts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/shared/mapping/**/*.ts',
    'src/shared/schema/target-rules*.ts',
    'src/main/sync/opt-out-rule.ts',
    'src/main/sync/diff.ts',
    'src/main/sync/journal-format.ts'
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always'
}
