import { nameGuid } from '../data/ids'

/** Label and managed-property shapes exactly as the documented responses show them (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-column-definitions-using-web-api). */
export function label(text: string, id: string, isManaged: boolean): Record<string, unknown> {
  const localized = { Label: text, LanguageCode: 1033, IsManaged: isManaged, MetadataId: nameGuid(`label:${id}`), HasChanged: null }
  return { LocalizedLabels: [localized], UserLocalizedLabel: { ...localized } }
}

export const emptyLabel = (): Record<string, unknown> => ({ LocalizedLabels: [], UserLocalizedLabel: null })

export function managed(value: unknown, logicalName: string, canBeChanged = true): Record<string, unknown> {
  return { Value: value, CanBeChanged: canBeChanged, ManagedPropertyLogicalName: logicalName }
}

export const metadataCreatedOn = '2018-01-01T00:00:00Z'
