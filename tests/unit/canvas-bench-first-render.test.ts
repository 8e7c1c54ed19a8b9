import { describe, expect, it } from 'vitest'
import { firstSettledFrame } from '../../bench/canvas/measure'

// The canvas benches' first render is the first frame that shows what the user then looks at.
const frame = (t: number, drawn: boolean, view = 'translate(0px, 0px) scale(1)') => ({ t, drawn, view })

describe('the canvas benches’ first render', () => {
  it('is the first frame with every edge drawn when the view never moves', () => {
    expect(firstSettledFrame([frame(16, false), frame(33, false), frame(50, true), frame(66, true), frame(83, true)])).toBe(50)
  })

  it('is not a frame whose edges are drawn in a view that then jumps to the fit', () => {
    const fitted = 'translate(279px, 170px) scale(1)'
    expect(
      firstSettledFrame([frame(16, false), frame(50, true), frame(66, true), frame(200, true, fitted), frame(216, true, fitted)])
    ).toBe(200)
  })

  it('is not a frame whose edges are then lost again', () => {
    expect(firstSettledFrame([frame(16, true), frame(33, false), frame(50, true), frame(66, true)])).toBe(50)
  })

  it('says so when the page never drew every edge', () => {
    expect(() => firstSettledFrame([frame(16, true), frame(33, false)])).toThrow(/never drew every edge/)
  })
})
