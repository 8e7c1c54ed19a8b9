import { double, guidColumn, int, memo, phone, picklist, readOnly, str } from './columns'
import type { ColumnDef, Row } from './model'

/** The 23 columns Dataverse gives each of a contact's or account's addresses. */
export function addressColumns(n: 1 | 2 | 3): ColumnDef[] {
  const p = `address${n}`
  const label = `Address ${n}`
  return [
    guidColumn(`${p}_addressid`, `${label}: ID`),
    picklist(`${p}_addresstypecode`, `${label}: Address Type`, [
      [1, 'Bill To'],
      [2, 'Ship To'],
      [3, 'Primary'],
      [4, 'Other']
    ]),
    str(`${p}_city`, `${label}: City`, 80),
    memo(`${p}_composite`, label, 1000, { ...readOnly, computed: true }),
    str(`${p}_country`, `${label}: Country/Region`, 80),
    str(`${p}_county`, `${label}: County`, 50),
    phone(`${p}_fax`, `${label}: Fax`),
    picklist(`${p}_freighttermscode`, `${label}: Freight Terms`, [
      [1, 'FOB'],
      [2, 'No Charge']
    ]),
    double(`${p}_latitude`, `${label}: Latitude`, -90, 90),
    str(`${p}_line1`, `${label}: Street 1`, 250),
    str(`${p}_line2`, `${label}: Street 2`, 250),
    str(`${p}_line3`, `${label}: Street 3`, 250),
    double(`${p}_longitude`, `${label}: Longitude`, -180, 180),
    str(`${p}_name`, `${label}: Name`, 200),
    str(`${p}_postalcode`, `${label}: ZIP/Postal Code`, 20),
    str(`${p}_postofficebox`, `${label}: Post Office Box`, 20),
    str(`${p}_primarycontactname`, `${label}: Primary Contact Name`, 100),
    picklist(`${p}_shippingmethodcode`, `${label}: Shipping Method`, [
      [1, 'Airborne'],
      [2, 'DHL'],
      [3, 'FedEx'],
      [4, 'UPS'],
      [5, 'Postal Mail'],
      [6, 'Full Load'],
      [7, 'Will Call']
    ]),
    str(`${p}_stateorprovince`, `${label}: State/Province`, 50),
    phone(`${p}_telephone1`, `${label}: Phone`),
    phone(`${p}_telephone2`, `${label}: Telephone 2`),
    phone(`${p}_telephone3`, `${label}: Telephone 3`),
    str(`${p}_upszone`, `${label}: UPS Zone`, 4),
    int(`${p}_utcoffset`, `${label}: UTC Offset`, -1500, 1500)
  ]
}

/** Dataverse fills addressN_composite from the parts; selecting a part returns it too. */
export function deriveAddressComposites(row: Row): void {
  for (const n of [1, 2, 3]) {
    const p = `address${n}`
    const parts = [
      row[`${p}_line1`],
      row[`${p}_line2`],
      row[`${p}_line3`],
      [row[`${p}_city`], row[`${p}_stateorprovince`], row[`${p}_postalcode`]].filter(Boolean).join(' '),
      row[`${p}_country`]
    ].filter((part) => typeof part === 'string' && part.length > 0)
    if (parts.length > 0 || `${p}_composite` in row) row[`${p}_composite`] = parts.length ? parts.join('\r\n') : null
  }
}
