import { type Context, Hono } from 'hono'
import { playableRecordingSid } from '../calls/recordings.js'
import { fetchRecordingMedia, maskCallSid } from '../calls/twilio.js'
import type { AppDeps } from '../deps.js'
import type { OrderView } from '../orders/views.js'
import { usePageWords } from '../pages/language.js'
import { ApiError } from '../utils/errors.js'
import type { DashboardEnv } from './session.js'

type Attempt = OrderView['attempts'][number]

/** Where the order page's player gets a call's recording: here, never from Twilio. */
export const recordingPath = (orderId: number, attemptId: string) => `/orders/${orderId}/recordings/${attemptId}`

/** One byte range, as players ask to seek (`bytes=1000-`, `bytes=0-499`, `bytes=-500`); anything else is not passed on. */
const SEEK = /^bytes=(\d+-\d*|-\d+)$/

/** Twilio's answer headers that the player needs, passed on as they came. */
const PASSED_ON = ['content-length', 'content-range', 'accept-ranges', 'last-modified', 'etag']

/**
 * `GET /orders/:id/recordings/:attemptId`: a call's recording, streamed from Twilio with the
 * account's credentials, which the browser never sees, nor Twilio's URL. Behind the dashboard's
 * session: `visibleOrder` (the dashboard's own check) lets a merchant reach their store's orders
 * only and the operator every one; anyone else gets the same 404 as for no recording. Seeking
 * works: a player's Range is passed to Twilio and its 206 passed back.
 *
 * @example
 * app.route('/', recordingRoutes(deps, visibleOrder))
 */
export function recordingRoutes(
  deps: Pick<AppDeps, 'db' | 'twilio' | 'log'>,
  visibleOrder: (c: Context<DashboardEnv>) => Promise<{ order: OrderView }>,
) {
  return new Hono<DashboardEnv>().get('/orders/:id/recordings/:attemptId', async (c) => {
    const { order } = await visibleOrder(c)
    const attempt = order.attempts.find((a) => a.id === c.req.param('attemptId'))
    const sid = attempt && (await playableRecordingSid(deps.db, attempt.id))
    if (!attempt || !sid) throw new ApiError(404, 'recording_not_found', 'This call has no recording to play.')
    const range = c.req.header('range')
    const media = await fetchRecordingMedia(deps.twilio.account, sid, range && SEEK.test(range) ? range : undefined)
    if (media.status === 404) throw new ApiError(404, 'recording_not_found', 'This recording is no longer kept.')
    if (media.status !== 200 && media.status !== 206 && media.status !== 416) {
      await media.body?.cancel()
      deps.log.error('Twilio did not give a recording', { orderId: order.id, recordingSid: maskCallSid(sid), status: media.status })
      throw new ApiError(502, 'recording_unavailable', 'The recording cannot be fetched just now; try again in a moment.')
    }
    const headers = new Headers({
      'content-type': 'audio/wav',
      'content-disposition': `inline; filename="call-${attempt.number}.wav"`,
      'x-content-type-options': 'nosniff',
    })
    for (const name of PASSED_ON) {
      const value = media.headers.get(name)
      if (value) headers.set(name, value)
    }
    return new Response(media.status === 416 ? null : media.body, { status: media.status, headers })
  })
}

/** A recording's call ended this recently: Twilio is still making it, so the order page keeps refreshing for it. */
const ON_ITS_WAY_MS = 60_000
const waiting = (a: Attempt) => a.recording?.status === 'requested' || a.recording?.status === 'in-progress'

/** Whether a call's recording is still on its way from Twilio (its call just ended): the order page is not settled yet. */
export function recordingOnItsWay(order: Pick<OrderView, 'attempts'>, now: number): boolean {
  return order.attempts.some((a) => waiting(a) && a.endedAt !== null && now - Date.parse(a.endedAt) < ON_ITS_WAY_MS)
}

/** The order page's players: one for each recorded call, the audio through recordingRoutes. */
export function CallRecordings(props: { order: Pick<OrderView, 'id' | 'attempts'> }) {
  const recorded = props.order.attempts.filter((a) => a.recording && a.recording.status !== 'absent')
  const { t } = usePageWords()
  if (!recorded.length) return null
  return (
    <div class="recordings">
      {recorded.map((a) =>
        a.recording?.status === 'completed' ? (
          <p data-recording={a.number}>
            {t('recording.recorded', { number: a.number, length: a.recording.durationSeconds ? ` (${a.recording.durationSeconds} s)` : '' })}
            <br />
            {/* biome-ignore lint/a11y/useMediaCaption: the call's transcript, on the same page, is its text */}
            <audio controls preload="metadata" src={recordingPath(props.order.id, a.id)} />
          </p>
        ) : (
          <p class="hint" data-recording={a.number}>
            {t('recording.call', { number: a.number })}{' '}
            {a.recording?.status === 'failed' ? t('recording.failed') : a.endedAt ? t('recording.onItsWay') : t('recording.recording')}
          </p>
        ),
      )}
    </div>
  )
}
