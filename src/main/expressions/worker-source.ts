/**
 * The expression worker's program, as text: it runs with `eval: true`, so it needs no file
 * of its own next to each bundle (Electron main, the CLI, tests) and no module resolution in
 * the worker. JSONata's source (a self-contained UMD bundle) arrives in workerData, read by
 * main, which also reads it from inside an asar archive.
 *
 * Protocol: main posts {id, expr, record, value}; the worker answers {id, ok: true, value}
 * or {id, ok: false, limit, message}. `limit` marks JSONata's own limits (time, depth,
 * sequence size), which stop the preview or run like the worker's hard budget does.
 */
export const workerSource = String.raw`
'use strict'
const { parentPort, workerData } = require('node:worker_threads')
const loaded = { exports: {} }
new Function('module', 'exports', workerData.jsonataSource)(loaded, loaded.exports)
const jsonata = loaded.exports
const limitCodes = new Set(['D1011', 'D1012', 'D2014', 'D2015'])
const compiled = new Map()
const plain = (r) => (r === undefined ? null : Array.isArray(r) ? Array.from(r, plain) : r)
parentPort.on('message', async (call) => {
  try {
    let expression = compiled.get(call.expr)
    if (!expression) {
      if (compiled.size > 1000) compiled.clear()
      expression = jsonata(call.expr, workerData.limits)
      compiled.set(call.expr, expression)
    }
    const value = plain(await expression.evaluate(call.record, { value: call.value }))
    if (typeof value === 'function' || (value && typeof value === 'object' && value._jsonata_lambda)) {
      throw { message: 'the expression returns a function, not a value — call it' }
    }
    parentPort.postMessage({ id: call.id, ok: true, value })
  } catch (error) {
    const code = error && error.code
    const limit = limitCodes.has(code) || error instanceof RangeError ? (code || 'D1011') : undefined
    let message = (error && error.message) || String(error)
    if (error && error.name === 'DataCloneError') message = 'the expression returns something that is not a value (a function?)'
    parentPort.postMessage({ id: call.id, ok: false, limit, code, message })
  }
})
parentPort.postMessage({ ready: true })
`
