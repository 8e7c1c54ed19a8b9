/**
 * Web API errors in the documented shape `{"error":{"code","message"}}` (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors).
 * Codes and messages are copied from the documented examples where one exists; the
 * handful that are inferred are marked so in docs/sandbox-dataverse.md.
 */
export class DataverseError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }

  toBody(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } }
  }
}

export const errors = {
  segmentNotFound: (segment: string) => new DataverseError(404, '0x8006088a', `Resource not found for the segment '${segment}'.`),
  noHttpResource: (url: string) =>
    new DataverseError(404, '0x8006088a', `No HTTP resource was found that matches the request URI '${url}'.`),
  propertyNotFound: (name: string, table: string) =>
    new DataverseError(400, '0x0', `Could not find a property named '${name}' on type 'Microsoft.Dynamics.CRM.${table}'.`),
  /** Unknown property in a create/update payload. */
  undeclaredProperty: (name: string, table: string) =>
    new DataverseError(
      400,
      '0x80060888',
      `The property '${name}' does not exist on type 'Microsoft.Dynamics.CRM.${table}'. Make sure to only use property names that are defined by the type.`
    ),
  lookupValueWrite: () =>
    new DataverseError(
      400,
      '0x80060888',
      'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.'
    ),
  queryOptionNotSupported: (option: string) => new DataverseError(400, '0x0', `The query parameter ${option} is not supported`),
  trackChangesOption: (option: string) =>
    new DataverseError(400, '0x0', `The "${option}" query parameter isn't supported when Change Tracking is enabled.`),
  changeTrackingDisabled: (table: string) =>
    new DataverseError(400, '0x80072491', `Change tracking is not enabled for the entity '${table}'.`),
  expiredVersionStamp: () =>
    new DataverseError(400, '0x80044352', 'Version stamp associated with the client has expired. Please perform a full sync.'),
  recordNotFound: (table: string, id: string) => new DataverseError(404, '0x80040217', `${table} With Ids = ${id} Do Not Exist`),
  /** PATCH with If-Match: * on a missing row — documented with an empty code. */
  updateTargetMissing: (table: string, id: string) => new DataverseError(404, '', `${table} With Id = ${id} Does Not Exist`),
  recordExists: () => new DataverseError(412, '', 'A record with matching key values already exists.'),
  versionMismatch: () => new DataverseError(412, '', "The version of the existing record doesn't match the RowVersion property provided."),
  duplicateKey: (attributes: string, key: string) =>
    new DataverseError(
      412,
      '0x80040237',
      `A record that has the attribute values ${attributes} already exists. The entity key ${key} requires that this set of attributes contains unique values. Select unique values and try again.`
    ),
  /**
   * An alternate-key value with a character key-addressed requests cannot carry
   * (define-alternate-keys-entity). Status and message inferred: 400 "Error in query syntax"
   * is what a `/` in a key value has been observed to get; Microsoft documents no response.
   */
  keyValueCharacter: () => new DataverseError(400, '0x80060888', 'Bad Request - Error in query syntax.'),
  invalidKey: (table: string) =>
    new DataverseError(
      400,
      '0x80060888',
      `The key in the request URI is not valid for resource 'Microsoft.Dynamics.CRM.${table}'. Ensure that the names and number of key properties match the declared or alternate key properties for the resource 'Microsoft.Dynamics.CRM.${table}'.`
    ),
  maxLength: (column: string, table: string, max: number) =>
    new DataverseError(
      400,
      '0x80044331',
      `A validation error occurred.  The length of the '${column}' attribute of the '${table}' entity exceeded the maximum allowed length of '${max}'.`
    ),
  systemRequired: (column: string, table: string) =>
    new DataverseError(400, '0x80040203', `Attribute '${column}' on entity '${table}' cannot be set to NULL`),
  outOfRange: (column: string, table: string, value: unknown, accepted: string) =>
    new DataverseError(
      400,
      '0x8004431a',
      `A validation error occurred. The value ${value} of '${column}' on record of type '${table}' is outside the valid range. Accepted Values: ${accepted}`
    ),
  badValue: (value: unknown, edmType: string) =>
    new DataverseError(400, '0x0', `Cannot convert the literal '${String(value)}' to the expected type '${edmType}'.`),
  badRequest: (message: string, code = '0x0') => new DataverseError(400, code, message),
  methodNotAllowed: (message: string) => new DataverseError(405, '0x80060888', message),
  notImplemented: (message: string) => new DataverseError(501, '0x8006088a', message)
}
