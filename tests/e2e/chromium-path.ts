import { existsSync } from 'node:fs'

/** The Chromium to test in: CHROMIUM_PATH, Debian's, or undefined (Playwright's own, if installed). */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']
  return candidates.find((candidate): candidate is string => Boolean(candidate && existsSync(candidate)))
}
