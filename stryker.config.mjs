// Mutation testing of the pure core (README, "Development"): `npm run mutation` changes the code
// a little, one mutant at a time, and checks that some test notices. Equivalent mutants (no
// behaviour can tell them apart) are marked in the code with `// Stryker disable next-line …: why`.
// `npm run mutation -- --unit` (scripts/mutation.mjs sets MUTATION_TESTS=unit) runs unit tests only.
const unitOnly = process.env.MUTATION_TESTS === 'unit'

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: unitOnly ? 'vitest.mutation-unit.config.mts' : 'vitest.mutation.config.mts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/shared/mapping/**/*.ts',
    'src/shared/schema/target-rules*.ts',
    'src/main/sync/opt-out-rule.ts',
    'src/main/sync/journal-format.ts'
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  // The machine is shared: two test processes at most (`--concurrency 1` to be gentler).
  concurrency: 2,
  timeoutMS: 20000,
  // The first, unmutated run of every covering test (most unit tests reach diff, preview or
  // failure-reasons) took over Stryker's default 5 min on a busy machine and aborted the run.
  dryRunTimeoutMinutes: 20,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  // Kept out of git (.gitignore); the quick unit-only check keeps its own, as its results differ.
  incrementalFile: unitOnly ? 'reports/stryker-incremental-unit.json' : 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always'
}
