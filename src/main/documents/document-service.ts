import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { CallOutput } from '../../shared/contract'
import { newDocument, parseDocumentText, serializeDocument, validateDocument } from '../../shared/mapping/document-io'
import type { MappingDocument } from '../../shared/mapping/document'
import { describeFileError, ServiceError } from '../errors'
import { writeFileAtomic } from '../files/atomic-write'
import type { RecentDocuments } from '../workspace/recent-documents'

/** Native open/save dialogs (Electron). Absent in browser mode, where the renderer uses the browser's file APIs. */
export interface DocumentDialogs {
  pickDocumentToOpen(): Promise<string | undefined>
  pickDocumentToSave(suggestedName: string): Promise<string | undefined>
}

const MAX_FILE_BYTES = 20_000_000

/** A file name from the document's name: "Contoso contacts" → "contoso-contacts.mapping.json". */
export function suggestedFileName(document: MappingDocument): string {
  const slug = document.name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return `${slug || 'mapping'}.mapping.json`
}

/**
 * Opening, saving, importing and exporting mapping documents. The renderer can name a
 * path only if main gave it out (a dialog result or a recent file), so a compromised page
 * cannot read or overwrite arbitrary files through these calls.
 */
export class DocumentService {
  private readonly knownPaths = new Set<string>()

  constructor(
    private readonly recent: RecentDocuments,
    private readonly dialogs?: DocumentDialogs
  ) {}

  create(name?: string): CallOutput<'document/new'> {
    return { document: newDocument(name) }
  }

  private isKnown(path: string): boolean {
    return this.knownPaths.has(path) || this.recent.has(path)
  }

  async open(path?: string): Promise<CallOutput<'document/open'>> {
    if (path !== undefined && !this.isKnown(path)) {
      throw new ServiceError(`${path} is not a recent file — open it with File › Open`, 'refused')
    }
    const chosen = path ?? (this.dialogs ? await this.dialogs.pickDocumentToOpen() : undefined)
    if (chosen === undefined) return { status: this.dialogs ? 'canceled' : 'noDialog' }
    let text: string
    try {
      const info = await stat(chosen)
      if (info.size > MAX_FILE_BYTES)
        throw new ServiceError(`${chosen} is ${info.size} bytes — a mapping file is at most ${MAX_FILE_BYTES}; is this the right file?`)
      text = await readFile(chosen, 'utf8')
    } catch (error) {
      if (error instanceof ServiceError) throw error
      throw describeFileError(error, chosen, 'read')
    }
    this.knownPaths.add(chosen)
    const result = parseDocumentText(text)
    if (!result.ok) return { status: 'invalid', path: chosen, problems: result.problems }
    await this.recent.remember(chosen, result.document.name)
    return { status: 'opened', path: chosen, document: result.document }
  }

  async save(document: MappingDocument, path?: string, saveAs = false): Promise<CallOutput<'document/save'>> {
    const checked = validateDocument(document)
    if (!checked.ok) return { status: 'invalid', problems: checked.problems }
    let target = saveAs ? undefined : path
    if (target !== undefined && !this.isKnown(target)) {
      throw new ServiceError(`${target} was not opened or saved in this session — use File › Save As`, 'refused')
    }
    if (target === undefined) {
      if (!this.dialogs) return { status: 'noDialog' }
      target = await this.dialogs.pickDocumentToSave(suggestedFileName(checked.document))
      if (target === undefined) return { status: 'canceled' }
    }
    try {
      await writeFileAtomic(target, serializeDocument(checked.document))
    } catch (error) {
      throw describeFileError(error, target, 'write')
    }
    this.knownPaths.add(target)
    await this.recent.remember(target, checked.document.name)
    return { status: 'saved', path: target }
  }

  import(text: string): CallOutput<'document/import'> {
    const result = parseDocumentText(text)
    return result.ok ? { status: 'imported', document: result.document } : { status: 'invalid', problems: result.problems }
  }

  async export(document: MappingDocument, toFile = false): Promise<CallOutput<'document/export'>> {
    const checked = validateDocument(document)
    if (!checked.ok) return { status: 'invalid', problems: checked.problems }
    const text = serializeDocument(checked.document)
    const fileName = suggestedFileName(checked.document)
    if (!toFile || !this.dialogs) return { status: 'exported', text, fileName }
    const target = await this.dialogs.pickDocumentToSave(fileName)
    if (target === undefined) return { status: 'canceled' }
    try {
      await writeFileAtomic(target, text)
    } catch (error) {
      throw describeFileError(error, target, 'write')
    }
    return { status: 'exported', text, fileName: basename(target), path: target }
  }

  validate(value: unknown): CallOutput<'document/validate'> {
    const result = validateDocument(value)
    return { problems: result.ok ? [] : result.problems }
  }
}
