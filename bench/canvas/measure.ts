/**
 * The canvas benches' shared half: serve the bench page, measure one variant in a fresh
 * Chromium (time to every edge drawn in the view it keeps, frame intervals while the pane is dragged for 2 s), and
 * run rounds of ours and bare interleaved, printing the ratios side by side.
 */
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, loadavg } from 'node:os'
import { extname, join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { build } from 'vite'
import type { Table } from '../../src/shared/schema/model'

const root = resolve(__dirname, '../..')
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface BenchData {
  source: Table
  target: Table
  mappings: Array<{ from: string; target: string }>
  /** The flow's match key, drawn by our canvas as one more edge. */
  match: { source: string; target: string }
}

export function serve(folder: string): Promise<{ origin: string; close(): void }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }
  const server = createServer((req, res) => {
    const path = join(folder, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    const file = existsSync(path) && statSync(path).isFile() ? path : join(folder, 'index.html')
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() })
    )
  )
}

/** A fresh Chromium for one run (Debian's, or CHROMIUM_PATH). */
export const launchBrowser = () => chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] })

/** How many edges each variant draws: ours draws the filter edge and the match key as well. */
export const expectedEdges = (data: BenchData) => ({ ours: data.mappings.length + 2, bare: data.mappings.length })

/**
 * The page's start, as a script (a string, not a function: tsx would wrap a function's inner
 * functions in a helper the page does not have): the bench data, and `done()`, whether every
 * expected edge has a path.
 */
export const benchPageScript = (data: BenchData, edges: number) => `
  window.__BENCH__ = ${JSON.stringify(data)};
  const done = () => {
    const drawn = document.getElementsByClassName('react-flow__edge');
    if (drawn.length < ${edges}) return false;
    for (const edge of Array.from(drawn)) {
      const d = edge.querySelector('path.react-flow__edge-path')?.getAttribute('d');
      if (!d || d.includes('NaN')) return false;
    }
    return true;
  };`

/** How many frames in a row must show every edge in the same view before the first of them counts as the first render. */
const SETTLED_FRAMES = 10

interface LoadFrame {
  /** The frame's animation-frame time, ms from navigation. */
  t: number
  /** Every expected edge has a path. */
  drawn: boolean
  /** The viewport's transform. */
  view: string
}

/**
 * The first render is the first frame that shows what the user then looks at: every edge drawn,
 * in the view the canvas keeps. A frame with the edges drawn in a view that then jumps (a fit
 * applied a few frames later) is not yet it.
 */
export function firstSettledFrame(frames: LoadFrame[]): number {
  const last = frames.at(-1)
  if (!last?.drawn) throw new Error('the page never drew every edge')
  let first = frames.length - 1
  while (first > 0 && frames[first - 1].drawn && frames[first - 1].view === last.view) first--
  return frames[first].t
}

interface Run {
  /** Time from navigation to the first frame with every edge drawn in the view the canvas keeps. */
  toEdges: number
  /** CPU time of the page's main thread until the canvas had kept its edges and its view for SETTLED_FRAMES frames: what the first render cost, less the machine's load. */
  cpu: number
  frames: number[]
  /** Distinct viewport transforms seen while panning: proof the pan moved the canvas. */
  moved: number
}

async function measure(
  origin: string,
  variant: 'ours' | 'bare',
  data: BenchData,
  expectedEdges: number,
  viewport: { width: number; height: number }
): Promise<Run> {
  const browser = await launchBrowser()
  try {
    const page = await browser.newPage({ viewport })
    // Every animation frame is logged (its time, whether every edge has a path, the view's transform)
    // until the page has kept all its edges and the same view for SETTLED_FRAMES frames in a row.
    await page.addInitScript(`
      ${benchPageScript(data, expectedEdges)}
      window.__FRAMES_AT_LOAD__ = [];
      const log = () => {
        const view = document.querySelector('.react-flow__viewport')?.style.transform ?? '';
        const frames = window.__FRAMES_AT_LOAD__;
        frames.push({ t: performance.now(), drawn: done(), view });
        const last = frames.slice(-${SETTLED_FRAMES});
        if (last.length === ${SETTLED_FRAMES} && last.every((f) => f.drawn && f.view === view)) window.__SETTLED__ = true;
        else requestAnimationFrame(log);
      };
      requestAnimationFrame(log);
    `)
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    await page.goto(`${origin}/index.html?variant=${variant}`)
    await page
      .waitForFunction(() => (window as unknown as { __SETTLED__?: boolean }).__SETTLED__ === true, undefined, { timeout: 30_000 })
      .catch(async (error) => {
        const state = await page.evaluate(() =>
          Array.from(document.getElementsByClassName('react-flow__edge')).map(
            (e) => e.querySelector('path.react-flow__edge-path')?.getAttribute('d') ?? 'none'
          )
        )
        throw new Error(
          `${variant}: ${state.length} edges of ${expectedEdges}, ${state.filter((d) => d === 'none' || d.includes('NaN')).length} without a path — ${String(error)}`
        )
      })
    const { metrics } = await cdp.send('Performance.getMetrics')
    const cpu = 1000 * (metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN)
    const loading = (await page.evaluate('window.__FRAMES_AT_LOAD__')) as LoadFrame[]
    const toEdges = firstSettledFrame(loading)
    await page.waitForTimeout(1000)
    const view = await page.evaluate(`document.querySelector('.react-flow__viewport').style.transform`)
    if (view !== loading.at(-1)?.view)
      throw new Error(
        `${variant}: the view moved again after ${SETTLED_FRAMES} still frames (${loading.at(-1)?.view} → ${String(view)}): its first render is not settled yet`
      )
    // An empty point of the pane to press on.
    const start = (await page.evaluate(`(() => {
      for (let y = ${viewport.height - 20}; y > 100; y -= 20) for (let x = ${viewport.width - 20}; x > 20; x -= 20) if (document.elementFromPoint(x, y)?.classList.contains('react-flow__pane')) return { x, y };
      return undefined;
    })()`)) as { x: number; y: number } | undefined
    if (!start) throw new Error(`${variant}: no empty point of the pane to drag`)
    await page.evaluate(
      `(() => { window.__FRAMES__ = []; window.__VIEWPORTS__ = new Set(); const viewport = document.querySelector('.react-flow__viewport'); const loop = (t) => { window.__FRAMES__.push(t); window.__VIEWPORTS__.add(viewport.style.transform); requestAnimationFrame(loop) }; requestAnimationFrame(loop) })()`
    )
    const send = (type: string, x: number, y: number, buttons: number) =>
      void cdp
        .send('Input.dispatchMouseEvent', {
          type: type as 'mouseMoved',
          x,
          y,
          button: 'left',
          buttons,
          clickCount: type === 'mouseMoved' ? 0 : 1
        })
        .catch(() => undefined)
    send('mousePressed', start.x, start.y, 1)
    const t0 = Date.now()
    await new Promise<void>((done) => {
      const timer = setInterval(() => {
        const t = (Date.now() - t0) / 1000
        send('mouseMoved', start.x - 250 * Math.sin(2 * Math.PI * t), start.y - 150 * Math.sin(Math.PI * t), 1)
        if (t >= 2) {
          clearInterval(timer)
          done()
        }
      }, 8)
    })
    send('mouseReleased', start.x, start.y, 0)
    await page.waitForTimeout(100)
    const stamps = await page.evaluate(() => (window as unknown as { __FRAMES__: number[] }).__FRAMES__)
    const frames = stamps.slice(1).map((t, i) => t - stamps[i])
    const moved = (await page.evaluate('window.__VIEWPORTS__.size')) as number
    if (moved < 3) throw new Error(`${variant}: the pan did not move the canvas (${moved} viewport positions)`)
    return { toEdges, cpu, frames, moved }
  } finally {
    await browser.close()
  }
}

const loads = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ')

export const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}
const median = (values: number[]) => pct(values, 50)

/** Builds the bench page (bench/canvas/main.tsx, as the app's renderer is built); returns its folder. */
export async function buildBenchPage(): Promise<string> {
  await build({ configFile: join(root, 'bench/canvas/vite.config.mts') })
  return join(root, '.test-output/bench-canvas')
}

/** Builds the bench page, then runs `rounds` rounds of both variants (order alternating, one discarded warm-up) and prints the ratios. */
export async function compare(
  data: BenchData,
  rounds: number,
  viewport = { width: 1280, height: 720 }
): Promise<{ firstRender: number; firstRenderCpu: number; firstRenderByRound: number; firstRenderCpuByRound: number; pan: number }> {
  // Other work on the machine stretches every frame: the figures say how loaded it was.
  const before = loadavg()
  const site = await serve(await buildBenchPage())
  const expected = expectedEdges(data)
  const results: Record<'ours' | 'bare', Run[]> = { ours: [], bare: [] }
  try {
    await measure(site.origin, 'bare', data, expected.bare, viewport) // warm-up, discarded
    for (let round = 0; round < rounds; round++) {
      for (const variant of round % 2 ? (['bare', 'ours'] as const) : (['ours', 'bare'] as const)) {
        const run = await measure(site.origin, variant, data, expected[variant], viewport)
        results[variant].push(run)
        console.log(
          `  round ${round + 1} ${variant.padEnd(4)} first render ${run.toEdges.toFixed(0)} ms (main thread CPU ${run.cpu.toFixed(0)} ms) · pan p50 ${pct(run.frames, 50).toFixed(1)} p95 ${pct(run.frames, 95).toFixed(1)} max ${Math.max(...run.frames).toFixed(1)} ms · ${run.frames.length} frames, ${run.moved} viewport positions`
        )
      }
    }
  } finally {
    site.close()
  }
  const summary = (variant: 'ours' | 'bare') => {
    const runs = results[variant]
    const frames = runs.flatMap((r) => r.frames)
    return {
      toEdges: median(runs.map((r) => r.toEdges)),
      cpu: median(runs.map((r) => r.cpu)),
      p50: pct(frames, 50),
      p95: pct(frames, 95),
      max: Math.max(...frames)
    }
  }
  const ours = summary('ours')
  const bare = summary('bare')
  for (const [name, s] of [
    ['ours', ours],
    ['bare', bare]
  ] as const) {
    console.log(
      `${name.padEnd(4)}: first render (every edge drawn, view settled) ${s.toEdges.toFixed(0)} ms, main thread CPU ${s.cpu.toFixed(0)} ms · pan frame p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`
    )
  }
  // Each round runs both variants one after the other: on a machine whose speed drifts (other
  // work, a shared host), the ratio within a round is steadier than the ratio of the medians.
  const byRound = (of: (run: Run) => number) => results.ours.map((run, i) => of(run) / of(results.bare[i]))
  const renderRounds = byRound((run) => run.toEdges)
  const cpuRounds = byRound((run) => run.cpu)
  const listed = (ratios: number[]) => ratios.map((r) => r.toFixed(2)).join(' ')
  console.log(`round by round (ours ÷ bare): first render ${listed(renderRounds)} · CPU ${listed(cpuRounds)}`)
  const firstRenderByRound = median(renderRounds)
  const firstRenderCpuByRound = median(cpuRounds)
  console.log(`load average ${loads(before)} at the start, ${loads(loadavg())} at the end (${cpus().length} cores)`)
  return {
    firstRender: ours.toEdges / bare.toEdges,
    firstRenderCpu: ours.cpu / bare.cpu,
    firstRenderByRound,
    firstRenderCpuByRound,
    pan: ours.p95 / bare.p95
  }
}
