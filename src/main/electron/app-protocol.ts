import { net, protocol } from 'electron'
import { extname, join, normalize, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CONTENT_SECURITY_POLICY } from '../security'

/**
 * The renderer is served from app://sync-studio/ rather than file://, so it has a real
 * origin: the CSP's 'self', the IPC sender check and fetch all mean exactly our files.
 */
export const APP_SCHEME = 'app'
export const APP_ORIGIN = 'app://sync-studio'

/** Whether a URL is one of our own pages. (Node's URL gives a custom scheme the origin "null", so compare the parts.) */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === 'sync-studio'
  } catch {
    return false
  }
}

export function registerAppSchemePrivileges(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }])
}

export function serveRenderer(rendererFolder: string): void {
  const root = normalize(rendererFolder)
  protocol.handle(APP_SCHEME, async (request) => {
    const { host, pathname } = new URL(request.url)
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '')
    const file = normalize(join(root, relative))
    if (host !== 'sync-studio' || !file.startsWith(root + sep)) return new Response('not found', { status: 404 })
    const response = await net.fetch(pathToFileURL(file).toString())
    const headers = new Headers(response.headers)
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    headers.set('X-Content-Type-Options', 'nosniff')
    if (extname(file) === '.js') headers.set('Content-Type', 'text/javascript; charset=utf-8')
    return new Response(response.body, { status: response.status, headers })
  })
}
