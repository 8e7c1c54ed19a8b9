import { expect, newContactsMapping, test } from './canvas-support'

// The canvas's controls carry their descriptions as Fluent tooltips mounted on first use
// (components/DescriptionTooltip.tsx): described from the start, shown as Fluent shows them.

test('a canvas control is described from the start; its tooltip shows on hover and on keyboard focus, and hides on leave, Escape and blur', async ({
  page,
  app
}) => {
  await page.goto(app.launchUrl)
  await newContactsMapping(page)
  const tooltip = page.getByRole('tooltip')
  const autoLayout = page.getByRole('button', { name: 'Auto-layout' })
  const fit = page.getByRole('button', { name: 'Fit View' })

  // Read by assistive technology before anything was hovered; no popup yet.
  await expect(autoLayout).toHaveAccessibleDescription('Lay the nodes out in columns: filter, source, target')
  await expect(page.getByRole('combobox', { name: 'Fields of contact to show' })).toHaveAccessibleDescription('Which fields to list')
  await expect(tooltip).toHaveCount(0)

  // The first hover shows it (after Fluent's delay), leaving hides it.
  await autoLayout.hover()
  await expect(tooltip).toHaveText('Lay the nodes out in columns: filter, source, target')
  await page.mouse.move(5, 5)
  await expect(tooltip).toHaveCount(0)
  // And again: the second hover goes through Fluent's own tooltip.
  await autoLayout.hover()
  await expect(tooltip).toHaveText('Lay the nodes out in columns: filter, source, target')
  await page.mouse.move(5, 5)
  await expect(tooltip).toHaveCount(0)

  // Keyboard: Tab onto a control shows its tooltip, Escape hides it, Tab to the next shows the next one alone.
  await page.getByRole('button', { name: 'Zoom In' }).focus()
  await page.keyboard.press('Shift+Tab')
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Zoom In' })).toBeFocused()
  await expect(tooltip).toHaveText('Zoom in')
  await page.keyboard.press('Escape')
  await expect(tooltip).toHaveCount(0)
  await page.keyboard.press('Tab')
  await expect(fit).toBeFocused()
  await expect(tooltip).toHaveText('Fit the flow at a readable size (text 12 px or more)')
  // Blur: the tooltip goes with the focus (the next control's own shows instead).
  await page.keyboard.press('Tab')
  await expect(page.getByRole('button', { name: 'Tables panel' })).toBeFocused()
  await expect(tooltip).toHaveText('Show or hide the tables and resources')
})
