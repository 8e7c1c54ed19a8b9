import type { ServerResponse } from 'node:http'
import { sendJson } from '../common/http'

/**
 * The two error families of https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/troubleshooting: the adobe.io gateway answers `{error_code, message}`;
 * the Campaign engine's envelope is undocumented, so its shape is a setting (connectors must
 * parse all three tolerantly).
 */
export type EngineErrorFormat = 'object' | 'string' | 'text'

export const RST_GENERIC = 'RST-360011 An error has occurred - please contact your administrator.'
export const OOPS = 'Oops. Something went wrong. Check your URI and try again.'

export function sendGatewayError(
  res: ServerResponse,
  status: number,
  errorCode: string,
  message: string,
  headers: Record<string, string> = {}
): void {
  sendJson(res, status, { error_code: errorCode, message }, headers)
}

/** An error the request handlers throw; the router turns it into a response. */
export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

export function sendEngineError(res: ServerResponse, format: EngineErrorFormat, status: number, message: string): void {
  if (format === 'object') return sendJson(res, status, { code: status, message })
  if (format === 'string') return sendJson(res, status, message)
  const text = message
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

export const engine = {
  generic: (detail?: string) => new EngineError(500, detail ? `${RST_GENERIC} ${detail}` : RST_GENERIC),
  /** The documented answer to a PKey that does not decrypt (https://experienceleague.adobe.com/en/docs/experience-cloud/campaign/apis/limitations). */
  invalidPKey: (token: string, schemaLabel: string) => {
    const bare = token.replace(/^@/, '')
    return new EngineError(
      500,
      `'${bare}' attribute unknown (see definition of '${schemaLabel}' schema). XTK-170036 Unable to parse expression '@id = @${bare}'.`
    )
  },
  notFound: (entity: string, key: string) =>
    new EngineError(404, `${RST_GENERIC} Unable to find document with path '${entity}' from key '${key}'.`),
  /** What an unresolvable path returns (https://github.com/adobe/aio-lib-campaign-standard/issues/51). */
  noRoute: () => new EngineError(404, `${RST_GENERIC} Error rc=-2003`),
  badEnum: (value: string, enumName: string, field: string) =>
    new EngineError(500, `${RST_GENERIC} The value '${value}' is not valid for the '${enumName}' enumeration of the '@${field}' field`),
  unknownProperty: (field: string, resource: string) =>
    new EngineError(500, `${RST_GENERIC} '${field}' property is not valid for the '${resource}' resource.`),
  readOnly: (field: string, resource: string) =>
    new EngineError(
      500,
      `${RST_GENERIC} Cannot update the '${field}' property that is read-only. '${field}' property is not valid for the '${resource}' resource.`
    ),
  duplicateKey: (entityLabel: string, key: string, constraint: string) =>
    new EngineError(
      500,
      `A '${entityLabel}' with the same key '${key}' already exists. PGS-220000 PostgreSQL error: ERROR:  duplicate key value violates unique constraint "${constraint}"`
    ),
  inconsistentKey: (resource: string, from: string, to: string) =>
    new EngineError(
      500,
      `${RST_GENERIC} RST-360012 Inconsistent operation on resource '${resource}' – Cannot update key '${from}' to '${to}'.`
    ),
  tooLong: (length: number) =>
    new EngineError(500, `${RST_GENERIC} PGS-220000 PostgreSQL error: ERROR:  value too long for type character varying(${length})`),
  badValue: (field: string, value: unknown, expected: string) =>
    new EngineError(500, `${RST_GENERIC} The value '${String(value)}' of the '@${field}' field is not a valid ${expected}.`)
}
