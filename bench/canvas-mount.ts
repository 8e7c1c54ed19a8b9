/**
 * Where the 160-field canvas's first render spends its CPU, ours beside bare React Flow, in one
 * run: the main thread's CPU time of the synchronous mount (`flushSync(root.render(…))`,
 * between the bench page's marks `mount-start` and `mount-end`, bench/canvas/main.tsx), and
 * from there to the first frame with every edge drawn. Thread time, read from a Chrome trace
 * (each mark's thread timestamp), is what the page itself ran: on a shared 2-core machine the
 * wall time of the same mount moves by ±30 % with what else runs, this by a few ms, so it tells
 * apart changes of 5–10 ms that `npm run bench -- canvas` cannot (docs/canvas-performance.md).
 *
 *   npm run bench -- canvas-mount [rounds=9] [viewport=1280x720]
 *
 * Ends with
 *
 *   mount CPU ratio: <ours / bare>
 *   after-mount CPU ratio: <ours / bare>   (to the first frame with every edge)
 *   first render CPU ratio, mount to edges: <ours / bare>
 */
import { loadavg } from 'node:os'
import { benchPageScript, buildBenchPage, expectedEdges, launchBrowser, pct, serve, type BenchData } from './canvas/measure'
import { sandboxCanvasData } from './canvas/sandbox-tables'

const rounds = Number(process.argv[2] ?? 9)
const [width, height] = (process.argv[3] ?? '1280x720').split('x').map(Number)

interface TraceEvent {
  name: string
  cat: string
  ph: string
  pid: number
  tid: number
  /** Thread time, µs: CPU time of the thread that recorded the event. */
  tts?: number
  args?: { name?: string }
}

/** One run: the mount's CPU time and the CPU time from its end to the first frame with every edge, ms. */
async function run(origin: string, variant: 'ours' | 'bare', data: BenchData, edges: number) {
  const browser = await launchBrowser()
  try {
    const page = await browser.newPage({ viewport: { width, height } })
    await page.addInitScript(`
      ${benchPageScript(data, edges)}
      const check = () => { if (done()) { performance.mark('edges'); window.__EDGES__ = true } else requestAnimationFrame(check) };
      requestAnimationFrame(check);
    `)
    await browser.startTracing(page, { categories: ['blink.user_timing', 'devtools.timeline'] })
    await page.goto(`${origin}/index.html?variant=${variant}`)
    await page.waitForFunction(() => (window as unknown as { __EDGES__?: boolean }).__EDGES__ === true, undefined, { timeout: 30_000 })
    const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents
    // The marks are the page's own: the renderer main thread that recorded 'mount-start'.
    const start = events.find((e) => e.name === 'mount-start' && e.cat.includes('user_timing') && e.tts !== undefined)
    const at = (name: string) => {
      const mark = events.find((e) => e.name === name && e.pid === start?.pid && e.tid === start?.tid && e.tts !== undefined)
      if (!mark?.tts) throw new Error(`${variant}: no thread time for the mark ${name} in the trace`)
      return mark.tts / 1000
    }
    const mount = at('mount-end') - at('mount-start')
    return { mount, after: at('edges') - at('mount-end') }
  } finally {
    await browser.close()
  }
}

const median = (values: number[]) => pct(values, 50)

async function main() {
  const data = await sandboxCanvasData()
  const site = await serve(await buildBenchPage())
  const expected = expectedEdges(data)
  const results = { ours: [] as Array<{ mount: number; after: number }>, bare: [] as Array<{ mount: number; after: number }> }
  const before = loadavg()
  console.log(`${rounds} round(s) at ${width}×${height}, a fresh Chromium per run, variants interleaved`)
  try {
    await run(site.origin, 'bare', data, expected.bare) // warm-up, discarded
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 ? (['bare', 'ours'] as const) : (['ours', 'bare'] as const)) {
        const result = await run(site.origin, variant, data, expected[variant])
        results[variant].push(result)
        console.log(
          `  round ${round + 1} ${variant.padEnd(4)} mount ${result.mount.toFixed(1)} ms CPU, then ${result.after.toFixed(1)} ms to every edge`
        )
      }
    }
  } finally {
    site.close()
  }
  const of = (variant: 'ours' | 'bare') => ({
    mount: median(results[variant].map((r) => r.mount)),
    after: median(results[variant].map((r) => r.after)),
    total: median(results[variant].map((r) => r.mount + r.after))
  })
  const ours = of('ours')
  const bare = of('bare')
  for (const [name, s] of [
    ['ours', ours],
    ['bare', bare]
  ] as const)
    console.log(
      `${name}: mount ${s.mount.toFixed(1)} ms CPU, then ${s.after.toFixed(1)} ms to the first frame with every edge (${s.total.toFixed(1)} ms)`
    )
  console.log(
    `load average ${before.map((v) => v.toFixed(2)).join(' ')} at the start, ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} at the end`
  )
  console.log(`mount CPU ratio: ${(ours.mount / bare.mount).toFixed(2)}`)
  console.log(`after-mount CPU ratio: ${(ours.after / bare.after).toFixed(2)}`)
  console.log(`first render CPU ratio, mount to edges: ${(ours.total / bare.total).toFixed(2)}`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
