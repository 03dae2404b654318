/** An alert as it is sent: plain text, to the store's alert addresses. */
export interface AlertMail {
  to: string[]
  subject: string
  text: string
}

/**
 * How alert email leaves the service: SMTP on Node (smtpMailer.ts); a runtime without one
 * (Workers) sends none. `send` resolves once the server has taken the message, and throws
 * `MailRefused` when it never will, any other error when it may later.
 */
export interface Mailer {
  send(mail: AlertMail): Promise<void>
  /** Where mail goes, for the logs: the server's host, never its credentials. */
  readonly server: string
  close(): void
}

/** The server refused the message for good (an address that does not exist): sending it again cannot help. */
export class MailRefused extends Error {
  override name = 'MailRefused'
}

/** `merchant@dyqani.al` → `me…@dyqani.al`: enough to tell addresses apart in the logs. */
export const maskEmail = (address: string): string => {
  const at = address.lastIndexOf('@')
  return at < 0 ? '…' : `${address.slice(0, Math.min(2, at))}…${address.slice(at)}`
}
