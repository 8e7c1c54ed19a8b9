import { bool, dateTime, lookup, memo, picklist, primaryKey, readOnly, str, systemColumns } from '../schema/columns'
import type { ColumnDef, TableDef } from '../schema/model'

/**
 * Custom activity tables that receive Campaign's marketing events (job 3). They start
 * empty. Each has an alternate key on the Campaign event id so a sink can upsert one
 * activity per event (idempotent replays), and a `regardingobjectid` whose navigation
 * property is activity-specific (`regardingobjectid_contact_new_emailsend`).
 */
function activityTable(logicalName: string, display: string, displayPlural: string, objectTypeCode: number, extra: ColumnDef[]): TableDef {
  const schemaName = 'new_' + logicalName.slice(4).replace(/^./, (c) => c.toUpperCase())
  return {
    logicalName,
    schemaName,
    entitySetName: `${logicalName}s`,
    displayName: display,
    displayCollectionName: displayPlural,
    primaryId: 'activityid',
    primaryName: 'subject',
    objectTypeCode,
    isActivity: true,
    isCustom: true,
    changeTracking: true,
    ownership: 'UserOwned',
    columns: [
      primaryKey('activityid', 'Activity'),
      str('subject', 'Subject', 400, { isPrimaryName: true, requiredLevel: 'ApplicationRequired' }),
      memo('description', 'Description', 2000),
      lookup(
        'regardingobjectid',
        'Regarding',
        ['contact', 'account'],
        { contact: `regardingobjectid_contact_${logicalName}`, account: `regardingobjectid_account_${logicalName}` },
        { contact: `${logicalName}_contact`, account: `${logicalName}_account` }
      ),
      str('activitytypecode', 'Activity Type', 64, { ...readOnly, computed: true }),
      dateTime('actualstart', 'Actual Start', 'UserLocal'),
      dateTime('actualend', 'Actual End', 'UserLocal'),
      dateTime('scheduledstart', 'Start Date', 'UserLocal'),
      dateTime('scheduledend', 'Due Date', 'UserLocal'),
      picklist(
        'prioritycode',
        'Priority',
        [
          [0, 'Low'],
          [1, 'Normal'],
          [2, 'High']
        ],
        { defaultValue: 1 }
      ),
      bool('isregularactivity', 'Is Regular Activity', 'Yes', 'No', true, readOnly),
      str('new_externaleventid', 'Campaign Event ID', 100),
      str('new_deliveryid', 'Campaign Delivery ID', 100),
      str('new_deliveryname', 'Delivery', 200),
      str('new_emailaddress', 'Email Address', 100, { format: 'Email' }),
      ...extra,
      ...systemColumns(
        logicalName,
        logicalName,
        [
          [0, 'Open', 1],
          [1, 'Completed', 2],
          [2, 'Canceled', 3]
        ],
        [
          [1, 'Open', 0],
          [2, 'Completed', 1],
          [3, 'Canceled', 2]
        ]
      )
    ],
    keys: [
      {
        logicalName: `${logicalName}_eventid`,
        schemaName: `${logicalName}_eventid`,
        displayName: 'Campaign Event ID',
        attributes: ['new_externaleventid']
      }
    ],
    count: () => 0,
    generate: () => {
      throw new Error(`${logicalName} has no generated rows`)
    },
    derive(row) {
      row.activitytypecode = logicalName
      row.isregularactivity = true
    }
  }
}

export const emailSendTable = activityTable('new_emailsend', 'Email Send', 'Email Sends', 10020, [
  dateTime('new_senton', 'Sent On', 'UserLocal'),
  picklist('new_sendstatus', 'Send Status', [
    [100000000, 'Sent'],
    [100000001, 'Failed'],
    [100000002, 'Ignored']
  ])
])

export const emailOpenTable = activityTable('new_emailopen', 'Email Open', 'Email Opens', 10021, [
  dateTime('new_openedon', 'Opened On', 'UserLocal'),
  str('new_useragent', 'User Agent', 500)
])

export const emailClickTable = activityTable('new_emailclick', 'Email Click', 'Email Clicks', 10022, [
  dateTime('new_clickedon', 'Clicked On', 'UserLocal'),
  str('new_url', 'URL', 2000, { format: 'Url' }),
  str('new_linklabel', 'Link Label', 200)
])

export const emailBounceTable = activityTable('new_emailbounce', 'Email Bounce', 'Email Bounces', 10023, [
  dateTime('new_bouncedon', 'Bounced On', 'UserLocal'),
  picklist('new_bouncetype', 'Bounce Type', [
    [100000000, 'Hard'],
    [100000001, 'Soft'],
    [100000002, 'Ignored']
  ]),
  picklist('new_bouncereason', 'Bounce Reason', [
    [100000000, 'User unknown'],
    [100000001, 'Invalid domain'],
    [100000002, 'Mailbox full'],
    [100000003, 'Inactive mailbox'],
    [100000004, 'Refused'],
    [100000005, 'Unreachable']
  ]),
  memo('new_bouncemessage', 'Bounce Message', 2000)
])
