import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

/** A message as the sink received it: the envelope, the headers tests read, the text decoded. */
export interface ReceivedMail {
  /** The SMTP login it came in with, if any. */
  user: string | undefined
  from: string
  to: string[]
  subject: string
  headers: Record<string, string>
  text: string
}

/** A local SMTP server that keeps what it receives; `down()` and `up()` stop it and start it again on the same port. */
export interface SmtpSink {
  /** `smtp://alerts:<password>@127.0.0.1:<port>` */
  url: string
  password: string
  messages: ReceivedMail[]
  /** Addresses it answers 550 for, as a server does for a mailbox that does not exist. */
  unknownMailboxes: Set<string>
  down(): Promise<void>
  up(): Promise<void>
  close(): Promise<void>
}

const USER = 'alerts'

/** RFC 2047 words (`=?UTF-8?Q?…?=`) in a header, decoded. */
const decodeWords = (value: string) =>
  value.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_, encoding: string, text: string) =>
    encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  )

function decodeQuotedPrintable(text: string): string {
  // A literal % (a link's `%2F`, say) stays a % once decoded: escaped before the =XX bytes become %XX.
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replaceAll('%', '%25')
    .replace(/=([0-9A-F]{2})/gi, (_, hex: string) => `%${hex}`)
  return decodeURIComponent(bytes)
}

/** A single-part text message, as nodemailer writes one. */
function parse(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n')
  const headers: Record<string, string> = {}
  for (const line of raw
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).toLowerCase()] = decodeWords(line.slice(colon + 1).trim())
  }
  const body = raw.slice(split + 4)
  const encoding = headers['content-transfer-encoding']?.toLowerCase()
  const text =
    encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : encoding === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : body
  return { headers, text: text.replace(/\r\n/g, '\n') }
}

/**
 * Starts the sink on a loopback port. It asks for a login (plain, no TLS: loopback only), as a
 * provider's submission port does, and keeps every message it accepts.
 *
 * @example
 * const sink = await startSmtpSink()
 * // SMTP_URL: sink.url
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const password = `pw-${crypto.randomUUID()}`
  const messages: ReceivedMail[] = []
  const unknownMailboxes = new Set<string>()
  let port = 0
  let server: SMTPServer | undefined

  async function up() {
    if (server) return
    const s = new SMTPServer({
      logger: false,
      closeTimeout: 1_000,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === USER && auth.password === password) callback(null, { user: USER })
        else callback(new Error('Invalid username or password'))
      },
      onRcptTo(address, _session, callback) {
        if (!unknownMailboxes.has(address.address)) return callback()
        callback(Object.assign(new Error('5.1.1 Mailbox does not exist'), { responseCode: 550 }))
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          const { headers, text } = parse(Buffer.concat(chunks).toString('utf8'))
          messages.push({
            user: session.user as string | undefined,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: headers.subject ?? '',
            headers,
            text,
          })
          callback()
        })
      },
    })
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => resolve())
    })
    port = (s.server.address() as AddressInfo).port
    server = s
  }

  async function down() {
    const s = server
    server = undefined
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  await up()
  return {
    url: `smtp://${USER}:${password}@127.0.0.1:${port}`,
    password,
    messages,
    unknownMailboxes,
    down,
    up,
    close: down,
  }
}
