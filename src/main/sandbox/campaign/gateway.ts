import type { IncomingMessage, ServerResponse } from 'node:http'
import { dropConnection, type FaultInjector } from '../common/faults'
import { seededRandom, type Random } from '../common/random'
import { sendGatewayError } from './errors'
import { sendJson } from '../common/http'
import { bearerOf, type ImsTokens } from './ims'
import { requiredScopes, type CampaignSettings } from './options'

/**
 * What adobe.io does before a request reaches Campaign (https://experienceleague.adobe.com/en/docs/campaign-standard/using/working-with-apis/troubleshooting): injected faults,
 * the API key, the bearer token, the org the token is provisioned for, and throttling.
 * Returns true when it has answered the request itself.
 */
export class Gateway {
  private readonly random: Random
  private serverErrors = 0
  private window = { start: 0, count: 0 }

  constructor(
    private readonly settings: CampaignSettings,
    private readonly ims: ImsTokens,
    private readonly faults: FaultInjector
  ) {
    this.random = seededRandom(settings.seed ^ 0x5eed)
  }

  async intercept(req: IncomingMessage, res: ServerResponse, orgInPath: string | undefined): Promise<boolean> {
    await this.faults.delay()
    const decision = this.faults.decide()
    if (decision === 'drop') {
      dropConnection(req, res)
      return true
    }
    if (decision === 'serverError') {
      // Alternates two retryable gateway failures, 502 and 503 [INF]. Not the documented 502 "Oops…
      // Check your URI", which is a setup error (docs/sandbox-campaign.md, `uriErrorStatus`).
      const status = this.serverErrors++ % 2 === 0 ? 502 : 503
      sendJson(res, status, { code: status, message: status === 502 ? 'Bad Gateway' : 'Service Unavailable' })
      return true
    }
    if (decision === 'throttle') {
      this.tooMany(res, this.faults.current.retryAfterSeconds)
      return true
    }

    const apiKey = req.headers['x-api-key']
    if (typeof apiKey !== 'string' || apiKey === '') {
      sendGatewayError(res, 403, '403000', 'Api Key is required')
      return true
    }
    if (apiKey !== this.settings.clientId) {
      sendGatewayError(res, 403, '403003', 'Api Key is invalid')
      return true
    }
    const token = bearerOf(req)
    const check = this.ims.check(token)
    if (!check.ok || (this.settings.tokenRevokeRate > 0 && this.random() < this.settings.tokenRevokeRate)) {
      if (token) this.ims.revoke(token)
      sendGatewayError(res, 401, '401013', 'Oauth token is not valid')
      return true
    }
    // A token of another client, without Campaign's product context, or for another tenant.
    if (
      check.token.clientId !== apiKey ||
      !requiredScopes.every((s) => check.token.scopes.includes(s)) ||
      (orgInPath !== undefined && orgInPath !== this.settings.orgId)
    ) {
      sendGatewayError(res, 403, '403023', 'Profile is not valid')
      return true
    }

    const limit = this.settings.rateLimit
    if (limit) {
      const now = this.settings.now().getTime()
      const windowMs = limit.windowSeconds * 1000
      if (now - this.window.start >= windowMs) this.window = { start: now, count: 0 }
      this.window.count++
      if (this.window.count > limit.requests) {
        this.tooMany(res, Math.max(1, Math.ceil((this.window.start + windowMs - now) / 1000)))
        return true
      }
    }
    return false
  }

  private tooMany(res: ServerResponse, retryAfterSeconds: number): void {
    sendGatewayError(res, 429, '429050', 'Too many requests', { 'Retry-After': String(retryAfterSeconds) })
  }
}
