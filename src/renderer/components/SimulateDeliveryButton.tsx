import { Button, Caption1, Spinner } from '@fluentui/react-components'
import { MailRegular } from '@fluentui/react-icons'
import { useState } from 'react'
import type { Client } from '../api/client'

/**
 * A demo action for the events job: the built-in Sandbox's Campaign sends one more email
 * delivery to its profiles (sends, bounces, opens, clicks in their marketing history), so
 * the next preview, dry run or run has new events to turn into activities.
 */
export function SimulateDeliveryButton({ client, onDone }: { client: Client; onDone?: () => void }) {
  const [state, setState] = useState<{ status: 'idle' | 'busy' } | { status: 'done' | 'error'; message: string }>({ status: 'idle' })
  const simulate = async () => {
    setState({ status: 'busy' })
    try {
      const made = await client.call('sandbox/simulateDelivery', {})
      // This delivery's events, of every profile it reached: only those of profiles carrying a Dynamics id become activities.
      setState({
        status: 'done',
        message: `${made.name}: ${made.events} new events (sends, bounces, opens, clicks); those of profiles without a Dynamics id are not synced.`
      })
      onDone?.()
    } catch (error) {
      setState({ status: 'error', message: error instanceof Error ? error.message : String(error) })
    }
  }
  return (
    <>
      <Button
        size="small"
        icon={<MailRegular />}
        onClick={() => void simulate()}
        disabled={state.status === 'busy'}
        title="The Sandbox's Campaign sends an email delivery to its profiles now"
      >
        Simulate a delivery
      </Button>
      {state.status === 'busy' && <Spinner size="extra-tiny" aria-label="Simulating a delivery" />}
      {(state.status === 'done' || state.status === 'error') && (
        <Caption1 role="status" data-testid="simulate-delivery-status" className={state.status === 'error' ? 'ssp-error' : 'ssp-quiet'}>
          {state.message}
        </Caption1>
      )}
    </>
  )
}
