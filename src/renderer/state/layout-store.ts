import { create } from 'zustand'

/**
 * How the window is arranged: which side panels and the preview are open, focus mode,
 * the presentation zoom, the canvas overview (minimap), and how many field rows a node
 * shows so it fits the canvas. It is the user's arrangement, not the document's: kept in
 * this browser's storage, never saved in a mapping file.
 */

/** The smallest canvas zoom the app chooses by itself: node text is 12 px or more at 1, 18 px or more at 1.5. */
export const READING_ZOOM = 1
export const PRESENTATION_ZOOM = 1.5

export interface Arrangement {
  leftOpen: boolean
  rightOpen: boolean
  previewOpen: boolean
  overview: boolean
}

interface LayoutState extends Arrangement {
  /** Focus mode: the canvas alone; what was open before comes back when it ends. */
  focus: Arrangement | undefined
  presentation: boolean
  /** Field rows a node shows (the rest scroll): as many as fit the canvas at the reading zoom. */
  rowBudget: number
  /** The preview's height in pixels, as the user last dragged it (kept like the arrangement). */
  previewHeight: number
  setPreviewHeight(pixels: number): void
  toggle(panel: keyof Arrangement): void
  setFocus(on: boolean): void
  setPresentation(on: boolean): void
  setRowBudget(rows: number): void
}

const STORAGE_KEY = 'sync-studio.layout'
const defaults: Arrangement = { leftOpen: true, rightOpen: true, previewOpen: true, overview: false }

function restore(): Arrangement {
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(STORAGE_KEY) ?? '{}') as Partial<Arrangement>
    return {
      ...defaults,
      ...Object.fromEntries(Object.entries(saved).filter(([key, value]) => key in defaults && typeof value === 'boolean'))
    }
  } catch {
    return defaults // unreadable storage: the default arrangement
  }
}

function persist(state: Arrangement): void {
  const { leftOpen, rightOpen, previewOpen, overview } = state
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify({ leftOpen, rightOpen, previewOpen, overview }))
  } catch {
    // Storage full or disabled: the arrangement lasts for this page only.
  }
}

const HEIGHT_KEY = 'sync-studio.preview-height'
/** The preview's first height: its header, the $filter lines and a few records, with the canvas whole at 1280×800. */
export const DEFAULT_PREVIEW_HEIGHT = 260

function restoreHeight(): number {
  try {
    const saved = Number(globalThis.localStorage?.getItem(HEIGHT_KEY))
    return Number.isFinite(saved) && saved >= 120 ? saved : DEFAULT_PREVIEW_HEIGHT
  } catch {
    return DEFAULT_PREVIEW_HEIGHT
  }
}

const canvasOnly: Arrangement = { leftOpen: false, rightOpen: false, previewOpen: false, overview: false }

export const useLayoutStore = create<LayoutState>((set, get) => ({
  ...restore(),
  focus: undefined,
  presentation: false,
  rowBudget: 12,
  previewHeight: restoreHeight(),
  setPreviewHeight(pixels) {
    const height = Math.round(pixels)
    if (height === get().previewHeight) return
    set({ previewHeight: height })
    try {
      globalThis.localStorage?.setItem(HEIGHT_KEY, String(height))
    } catch {
      // Storage full or disabled: the height lasts for this page only.
    }
  },
  toggle(panel) {
    set((state) => ({ [panel]: !state[panel], focus: undefined }))
    if (!get().presentation) persist(get())
  },
  setFocus(on) {
    const state = get()
    if (on && !state.focus)
      set({
        ...canvasOnly,
        focus: { leftOpen: state.leftOpen, rightOpen: state.rightOpen, previewOpen: state.previewOpen, overview: state.overview }
      })
    else if (!on && state.focus) set({ ...state.focus, focus: undefined, presentation: false })
  },
  setPresentation(on) {
    if (on) {
      get().setFocus(true)
      set({ presentation: true })
    } else {
      set({ presentation: false })
      get().setFocus(false)
    }
  },
  setRowBudget(rows) {
    if (rows !== get().rowBudget) set({ rowBudget: rows })
  }
}))
