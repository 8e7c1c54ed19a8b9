import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mirrorPageUrl } from './history'
import type { CampaignModel } from './model'

/**
 * Delivery and tracking logs as a Campaign export workflow drops them
 * (https://experienceleague.adobe.com/en/docs/campaign-standard/using/managing-processes-and-data/importing-and-exporting-data/exporting-logs:
 * incremental query on broadLogRcp / trackingLogRcp, Extract file, Transfer file): one CSV
 * per log table per run, holding the rows added since the previous run. Column names follow
 * the privacy access file (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/privacy-management/retrieving-privacy-data-files); the profile key and mirror page columns are the
 * extra columns such a workflow is configured to add. `id` is the stable event id.
 */

/** The delivery columns both logs start with. */
const deliveryColumns = ['id', 'deliveryLabel', 'deliveryCode', 'deliveryType', 'campaignLabel', 'campaignCode', 'contactDate']
const broadLogColumns = [
  ...deliveryColumns,
  'address',
  'status',
  'failureType',
  'failureReason',
  'msg-id',
  'eventDate',
  'lastModified',
  'variant',
  'delivery-id',
  'publicId',
  'profile-id',
  'profile-key',
  'mirrorPage'
]
const trackingLogColumns = [
  ...deliveryColumns,
  'urlLabel',
  'urlSource',
  'userAgent',
  'trackedDevice',
  'logDate',
  'sourceType',
  'url-id',
  'delivery-id',
  'broadLog-id',
  'recipient-id',
  'recipient-key',
  'mirrorPage'
]

/** RFC 4180: quote when needed, double the quotes. */
function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

function csv(columns: string[], rows: Record<string, unknown>[]): string {
  return [columns, ...rows.map((row) => columns.map((c) => row[c]))].map((cells) => cells.map(csvCell).join(',')).join('\r\n') + '\r\n'
}

/** Writes next to the final name first, so a reader polling the folder never sees half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.part`, text, 'utf8')
  await rename(`${path}.part`, path)
}

export async function exportLogs(model: CampaignModel, folder: string | undefined): Promise<string[]> {
  if (!folder) throw new Error('exportLogs needs a folder: pass one or set exportFolder in the sandbox options')
  await mkdir(folder, { recursive: true })
  const state = model.store.raw
  const keyField = model.settings.dynamicsKeyField
  const deliveries = new Map(state.deliveries.map((d) => [d.id, d]))
  const profileKey = (id: number) => String(model.store.get('profile', id)?.values[keyField] ?? '')
  const deliveryColumns = (id: number) => {
    const d = deliveries.get(id)!
    return {
      deliveryLabel: d.label,
      deliveryCode: d.code,
      deliveryType: 'email',
      campaignLabel: d.campaignLabel,
      campaignCode: d.campaignCode,
      'delivery-id': d.id
    }
  }

  const broadRows = state.broadLogs
    .filter((log) => log.id > state.exported.broadLogId)
    .map((log) => ({
      ...deliveryColumns(log.deliveryId),
      id: log.id,
      contactDate: log.contactDate,
      address: log.address,
      status: log.status,
      failureType: log.failureType,
      failureReason: log.failureReason,
      'msg-id': log.msgId,
      eventDate: log.eventDate,
      lastModified: log.lastModified,
      variant: 'A',
      publicId: log.id % 100000,
      'profile-id': log.profileId,
      'profile-key': profileKey(log.profileId),
      mirrorPage: mirrorPageUrl(model, log.id)
    }))
  const broadLogs = new Map(state.broadLogs.map((b) => [b.id, b]))
  const trackingRows = state.trackingLogs
    .filter((log) => log.id > state.exported.trackingLogId)
    .map((log) => ({
      ...deliveryColumns(log.deliveryId),
      id: log.id,
      contactDate: broadLogs.get(log.broadLogId)?.contactDate ?? '',
      urlLabel: log.urlLabel,
      urlSource: log.url,
      userAgent: log.userAgent,
      trackedDevice: log.trackedDevice,
      logDate: log.logDate,
      sourceType: log.sourceType,
      'url-id': log.urlId,
      'broadLog-id': log.broadLogId,
      'recipient-id': log.profileId,
      'recipient-key': profileKey(log.profileId),
      mirrorPage: mirrorPageUrl(model, log.broadLogId)
    }))

  state.exported.files += 1
  const stamp = model.settings.now().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15)
  const suffix = `${stamp}_${String(state.exported.files).padStart(4, '0')}.csv`
  const paths = [join(folder, `broadLogRcp_${suffix}`), join(folder, `trackingLogRcp_${suffix}`)]
  await writeAtomically(paths[0], csv(broadLogColumns, broadRows))
  await writeAtomically(paths[1], csv(trackingLogColumns, trackingRows))
  state.exported.broadLogId = state.broadLogs.reduce((max, b) => Math.max(max, b.id), state.exported.broadLogId)
  state.exported.trackingLogId = state.trackingLogs.reduce((max, t) => Math.max(max, t.id), state.exported.trackingLogId)
  return paths
}
