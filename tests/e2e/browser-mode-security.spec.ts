import { expect, test } from './fixtures'

test('a request without the token is refused', async ({ page, app }) => {
  await page.goto(app.launchUrl)
  const status = await page.evaluate(async () => {
    const response = await fetch('/api/call/app%2Finfo', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })
    return response.status
  })
  expect(status).toBe(401)
})

test('a request from another origin is refused, even with the token', async ({ request, app }) => {
  const response = await request.post(`${app.origin}/api/call/app%2Finfo`, {
    headers: { Authorization: `Bearer ${app.token}`, Origin: 'http://attacker.example', 'Content-Type': 'application/json' },
    data: {}
  })
  expect(response.status()).toBe(403)
  const same = await request.post(`${app.origin}/api/call/app%2Finfo`, {
    headers: { Authorization: `Bearer ${app.token}`, Origin: app.origin, 'Content-Type': 'application/json' },
    data: {}
  })
  expect(same.status()).toBe(200)
})

test('a page opened without the token says how to get in', async ({ page, app }) => {
  await page.goto(app.origin)
  await expect(page.getByRole('alert')).toContainText('session token')
})
