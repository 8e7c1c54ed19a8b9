import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'

/**
 * Extra certificate authorities from PEM bundles: a connection's "CA certificates file" and
 * SYNC_STUDIO_CA_FILE for all connections. A file that cannot be read or holds no valid
 * certificate is an error naming the file (a silently ignored CA file would surface later as
 * a confusing "certificate not trusted").
 */
export class CertificateFileError extends Error {
  constructor(
    readonly file: string,
    message: string
  ) {
    super(message)
    this.name = 'CertificateFileError'
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/** The certificates of one PEM file (each checked to parse), in file order. */
export function readCertificateFile(file: string, label = 'CA certificates file'): string[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new CertificateFileError(
      file,
      `The ${label} ${file} cannot be read (${code === 'ENOENT' ? 'it does not exist' : (code ?? String(error))}). Check the path, or remove the setting.`
    )
  }
  const blocks = text.match(PEM_BLOCK) ?? []
  if (blocks.length === 0)
    throw new CertificateFileError(
      file,
      `The ${label} ${file} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"). Export the root certificate as Base-64 (PEM), not DER.`
    )
  blocks.forEach((pem, index) => {
    try {
      new X509Certificate(pem)
    } catch (error) {
      throw new CertificateFileError(file, `Certificate ${index + 1} of the ${label} ${file} is not valid: ${(error as Error).message}.`)
    }
  })
  return blocks
}
