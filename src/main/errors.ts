import type { Problem } from '../shared/problems'

/**
 * What a service (documents, workspace, connections, preview, sync) throws when its message is
 * written for the user: what failed, where, and what to do. It knows nothing of how it is
 * shown: the contract's dispatcher turns it into the call's error, the CLI prints it. Any
 * other error is reported as a generic failure, so no stack trace, path of ours or secret
 * reaches a person by accident.
 */
export class ServiceError extends Error {
  constructor(
    message: string,
    /** `badInput`: the request itself is wrong; `refused`: not allowed now; `failed`: tried and failed. */
    readonly outcome: 'badInput' | 'refused' | 'failed' = 'failed',
    /** Each problem with its path, when the input was not valid. */
    readonly problems?: Problem[],
    options?: ErrorOptions
  ) {
    super(message, options)
    this.name = 'ServiceError'
  }

  /** The message as a person reads it (a subclass adds its hint). */
  get userMessage(): string {
    return this.message
  }
}

/** Explains a file-system error in the user's words. */
export function describeFileError(error: unknown, path: string, action: 'read' | 'write'): ServiceError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const what =
    code === 'ENOENT'
      ? action === 'read'
        ? 'the file does not exist (moved or deleted?) — pick it again'
        : 'its folder does not exist — pick another place'
      : code === 'EACCES' || code === 'EPERM'
        ? "permission denied — pick a place you can write to, or check the file's permissions"
        : code === 'EISDIR'
          ? 'that is a folder, not a file'
          : code === 'ENOSPC'
            ? 'the disk is full — free some space and try again'
            : `${code ?? 'unexpected error'}`
  return new ServiceError(`Could not ${action} ${path}: ${what}`)
}
