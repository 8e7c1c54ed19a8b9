import { spawn } from 'node:child_process'
import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import { ownerRuns, thisProcess } from '../../src/main/sync/run-owner'

// Whether a run another process started is still being written (src/main/sync/run-owner.ts): a
// live run is never cut or resumed by a process that opens the same journal.
describe('the owner of a run', () => {
  it('runs while its process runs on this machine, since this boot', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'])
    await new Promise((resolve) => child.once('spawn', resolve))
    const [, , boot] = thisProcess().split(' ').slice(-3)
    const owner = `${hostname()} ${child.pid} ${boot}`
    try {
      expect(ownerRuns(owner)).toBe(true)
      // The same process id before a restart of the machine is another process.
      expect(ownerRuns(`${hostname()} ${child.pid} ${Number(boot) - 86_400}`)).toBe(false)
      // On another machine it cannot be asked: taken for crashed, as before.
      expect(ownerRuns(`another-host ${child.pid} ${boot}`)).toBe(false)
      // This process: only the journal knows whether it has the run open.
      expect(ownerRuns(thisProcess())).toBe(false)
    } finally {
      child.kill()
    }
    await new Promise((resolve) => child.once('exit', resolve))
    expect(ownerRuns(owner)).toBe(false)
    expect(ownerRuns(undefined)).toBe(false)
  })
})
