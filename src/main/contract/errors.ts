import type { CallError } from '../../shared/contract'
import type { Problem } from '../../shared/problems'

/**
 * An error whose message is written for the user (what failed, where, what to do). Any
 * other error is reported as a generic failure, so no stack trace, path of ours or secret
 * crosses to the renderer by accident.
 */
export class UserFacingError extends Error {
  constructor(
    message: string,
    readonly code: CallError['code'] = 'failed',
    /** Each problem with its path, when the input was not valid. */
    readonly problems?: Problem[]
  ) {
    super(message)
    this.name = 'UserFacingError'
  }
}

/** Explains a file-system error in the user's words. */
export function describeFileError(error: unknown, path: string, action: 'read' | 'write'): UserFacingError {
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
  return new UserFacingError(`Could not ${action} ${path}: ${what}`)
}
