import { join } from 'node:path'
import { ServiceError } from '../errors'
import { startSandbox, type RunningSandbox, type SandboxInfo } from '../sandbox'

/**
 * The built-in Sandbox the app opens on: both simulated services on loopback, started
 * once per app launch, its state kept in a snapshot file in the user-data folder so work
 * done against it survives a restart.
 */
export class EmbeddedSandbox {
  private running: RunningSandbox | undefined
  private starting: Promise<RunningSandbox> | undefined
  private failure: Error | undefined

  constructor(private readonly userData: string) {}

  start(): Promise<RunningSandbox> {
    this.starting ??= startSandbox({
      snapshotFile: join(this.userData, 'sandbox-snapshot.json'),
      exportFolder: join(this.userData, 'sandbox-exports')
    }).then(
      (sandbox) => (this.running = sandbox),
      (error: Error) => {
        this.failure = error
        throw error
      }
    )
    return this.starting
  }

  /** Waits for the start if it is under way; never throws (a failed start leaves the Sandbox out of the connections). */
  async settled(): Promise<void> {
    await this.starting?.catch(() => undefined)
  }

  info(): SandboxInfo | undefined {
    return this.running?.info
  }

  get startError(): Error | undefined {
    return this.failure
  }

  /**
   * A demo action: Campaign sends one more email delivery to the profiles (sends, bounces,
   * opens, clicks in their marketing history), saved to the snapshot at once.
   */
  async simulateDelivery(name?: string): Promise<{ deliveryId: string; name: string; events: number }> {
    await this.settled()
    const running = this.running
    if (!running) {
      throw new ServiceError(
        `The built-in Sandbox is not running${this.failure ? ` (${this.failure.message})` : ''} — restart Sync Studio to start it again.`
      )
    }
    const label = name ?? `Newsletter ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`
    const made = running.campaign.simulateDelivery({ name: label })
    await running.save()
    return { deliveryId: made.deliveryId, name: label, events: made.events }
  }

  /** Closes the sandbox, waiting for a start under way first (a quit right after launch must not leave it running). */
  async close(): Promise<void> {
    const starting = this.starting
    this.starting = undefined
    await starting?.catch(() => undefined)
    const running = this.running
    this.running = undefined
    await running?.close()
  }
}
