// The few web-standard globals that src/shared may use: Node and the browser both provide
// them (https://nodejs.org/api/globals.html), so shared code stays pure without DOM or node types.
declare class URL {
  constructor(url: string, base?: string | URL)
  readonly protocol: string
  readonly hostname: string
  readonly host: string
  readonly pathname: string
  readonly href: string
  readonly username: string
  readonly password: string
  readonly origin: string
}
