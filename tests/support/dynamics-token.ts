import { Agent, fetch as undiciFetch } from 'undici'
import type { SandboxInfo } from '../../src/main/sandbox'

/** A Dataverse token from the Sandbox's authority (client credentials), for the benches and tests that call the Web API directly. */
export async function dynamicsToken(info: SandboxInfo): Promise<string> {
  // The token endpoint is on the https authority; trust its per-launch certificate for this request only.
  const agent = new Agent({ connect: { ca: info.dynamics.ca } })
  try {
    const response = await undiciFetch(info.dynamics.tokenUrl, {
      method: 'POST',
      dispatcher: agent,
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: info.dynamics.clientId,
        client_secret: info.dynamics.clientSecret,
        scope: `${new URL(info.dynamics.url).origin}/.default`
      })
    })
    if (!response.ok) throw new Error(`token request failed: ${response.status} ${await response.text()}`)
    return ((await response.json()) as { access_token: string }).access_token
  } finally {
    await agent.close()
  }
}
