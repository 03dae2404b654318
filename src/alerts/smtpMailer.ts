import nodemailer, { type NodemailerError } from 'nodemailer'
import type { AlertsConfig } from '../config.js'
import { type Mailer, MailRefused } from './mail.js'

/** A mail server on this machine (a local relay, the tests' sink) may speak without TLS. */
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/

/** Waits on the SMTP server: a slow or silent one fails the attempt (it is retried later), never holds the alerter for long. */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 }

/**
 * Alert email through nodemailer's SMTP transport (Node only: it opens TCP and TLS sockets).
 * `smtps://` is TLS from the start; `smtp://` must upgrade with STARTTLS, so the login never
 * crosses a network in the clear, except to a loopback server (`?requireTLS=false` in the URL
 * allows it elsewhere: nodemailer reads options from the URL's query, over ours).
 *
 * @example
 * const mailer = createSmtpMailer({ smtpUrl: 'smtp://user:pass@mail.example.com:587', from: 'alerts@example.com' })
 * await mailer.send({ to: ['orders@dyqani.al'], subject: '…', text: '…' })
 */
export function createSmtpMailer(config: AlertsConfig): Mailer {
  const { host, hostname } = new URL(config.smtpUrl)
  const transport = nodemailer.createTransport({ url: config.smtpUrl, requireTLS: !LOOPBACK.test(hostname), ...TIMEOUTS })
  return {
    server: host,
    async send(mail) {
      try {
        await transport.sendMail({
          from: config.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          // RFC 3834: automatic mail, so out-of-office replies and auto-responders leave it alone.
          headers: { 'Auto-Submitted': 'auto-generated' },
        })
      } catch (error) {
        // Given up only when the server refused this message for good: its recipients (a 5xx to RCPT TO) or its
        // content. A refused login or sender is the operator's to fix, and the alert waits for it.
        const e = error as NodemailerError
        const refusedForGood = e.permanent === true && ((e.code === 'EENVELOPE' && (e.rejected?.length ?? 0) > 0) || e.code === 'EMESSAGE')
        if (refusedForGood) throw new MailRefused(e.response ?? e.message)
        throw error
      }
    },
    close: () => transport.close(),
  }
}
