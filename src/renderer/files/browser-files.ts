/** The browser's file APIs, for browser mode where main has no native dialogs. */

export function downloadText(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.style.display = 'none'
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** Asks the user for one file through a hidden file input; undefined when they cancel. */
export function pickTextFile(input: HTMLInputElement): Promise<{ name: string; text: string } | undefined> {
  return new Promise((resolve) => {
    input.value = ''
    const onChange = async () => {
      input.removeEventListener('change', onChange)
      input.removeEventListener('cancel', onCancel)
      const file = input.files?.[0]
      resolve(file ? { name: file.name, text: await file.text() } : undefined)
    }
    const onCancel = () => {
      input.removeEventListener('change', onChange)
      input.removeEventListener('cancel', onCancel)
      resolve(undefined)
    }
    input.addEventListener('change', onChange)
    input.addEventListener('cancel', onCancel)
    input.click()
  })
}
