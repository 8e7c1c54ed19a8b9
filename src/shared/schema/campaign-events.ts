import type { Field, FieldType, Table } from './model'

/**
 * The fields of a Campaign marketing event as an events flow reads it (sends, opens, clicks,
 * bounces). Campaign Standard publishes no resource metadata for its delivery and tracking
 * logs, so the canvas and validation take this one shape, which the events source produces
 * whichever way it reads (a log export or the per-profile marketing history; see
 * docs/sync.md, "Email events"). Export columns follow
 * https://experienceleague.adobe.com/en/docs/campaign-standard/using/managing-processes-and-data/importing-and-exporting-data/exporting-logs
 */
const eventFields: ReadonlyArray<readonly [name: string, displayName: string, type: FieldType, description: string]> = [
  ['id', 'Event ID', 'string', 'Unique per event: map it to the activity field that keeps each event once.'],
  ['type', 'Event type', 'string', 'send, open, click or bounce.'],
  ['date', 'Event date', 'datetime', 'When Campaign logged the event (UTC).'],
  ['deliveryId', 'Delivery ID', 'string', "The delivery's identifier."],
  ['deliveryLabel', 'Delivery label', 'string', "The delivery's name as shown in Campaign."],
  ['deliveryCode', 'Delivery code', 'string', "The delivery's code, when it has one."],
  ['campaignLabel', 'Campaign label', 'string', 'The marketing campaign the delivery belongs to.'],
  ['campaignCode', 'Campaign code', 'string', "The campaign's code, when it has one."],
  ['profileKey', 'Dynamics contact ID', 'string', "The profile's Dynamics contact id: finds the contact the activity is regarding."],
  ['address', 'Email address', 'email', 'The address the message went to.'],
  ['url', 'Clicked URL', 'url', 'Clicks only: the link that was clicked.'],
  ['urlLabel', 'Link label', 'string', "Clicks only: the link's label."],
  ['failureType', 'Failure type', 'string', 'Bounces only: hard, soft or ignored.'],
  ['failureReason', 'Failure reason', 'string', 'Bounces only: why the message was not delivered.'],
  ['mirrorPage', 'Mirror page', 'url', 'The web copy of the message, when the delivery has one.']
]

const fields: Field[] = eventFields.map(([name, displayName, type, description]) => ({
  name,
  displayName,
  type,
  required: 'none',
  readOnly: true,
  validForCreate: false,
  validForUpdate: false,
  // The events source reads every event date into an ISO 8601 UTC instant (src/main/sync/flows/events-source.ts).
  ...(type === 'datetime' ? { dateBehavior: 'userLocal' as const } : {}),
  description
}))

const titles: Record<string, string> = { send: 'Send events', open: 'Open events', click: 'Click events', bounce: 'Bounce events' }

/** The schema of one kind of Campaign marketing event (`send`, `open`, `click`, `bounce`). */
export function campaignEventTable(event: string): Table {
  return {
    system: 'campaign',
    name: event,
    displayName: titles[event] ?? `${event} events`,
    primaryId: 'id',
    fields,
    keys: [{ name: 'event', fields: ['id'] }],
    changeTracking: false
  }
}
