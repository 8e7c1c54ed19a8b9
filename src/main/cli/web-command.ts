import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createDispatcher } from '../contract/dispatcher'
import { EventHub } from '../contract/event-hub'
import { createServices, plainNodePlatform } from '../services'
import { startWebServer } from '../web'
import { integerFlag, type Command } from './command'

export const webCommand: Command = {
  name: 'web',
  summary: 'Serve the app in browser mode on 127.0.0.1 and print its URL (with the session token).',
  usage: 'sync-studio web [--port N]',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { port: { type: 'string' } } })
    const port = integerFlag('port', values.port, 0, 65_535) ?? 0
    const events = new EventHub()
    const services = createServices(plainNodePlatform(), events)
    const dispatch = createDispatcher(services.handlers, (level, message) => io.err(`[${level}] ${message}`))
    const server = await startWebServer({ dispatch, events, port, rendererFolder: join(__dirname, '../renderer') })
    io.out("Sync Studio is running in browser mode. Open this URL (it holds this session's token):")
    io.out(server.launchUrl)
    await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }))
    await server.close()
    // Saves the built-in sandbox's snapshot and ends its servers, so the process can exit.
    await services.dispose()
    return 0
  }
}
