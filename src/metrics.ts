import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { PLATFORM_NAMES } from './db/schema.js'
import { OUTCOMES, type Outcome } from './domain/order.js'
import type { PlatformName } from './stores/platform.js'

/**
 * What Prometheus scrapes from this process (`GET /metrics`), and the few things the code tells it.
 * Callers see named events, never prom-client: label values are fixed here, and the hot one (an
 * audio frame, 50 a second each way per call) goes to a series bound once.
 */
export interface Metrics {
  /** This service's own registry (not prom-client's global one): `metrics()` and `contentType`. */
  readonly registry: Registry
  /** An order's calls ended with this final outcome; counted once per order, when it is stored. */
  outcomeDecided(outcome: Outcome): void
  /** A customer asked to be called back and the order was queued for that time. */
  callbackScheduled(): void
  /** A request to /webhooks/* was answered with `status`. */
  webhookAnswered(platform: WebhookPlatform, status: number): void
  /** A write to a store's order failed: `final` when it is given up as failed, else it is retried. */
  storeWriteFailed(platform: PlatformName | 'unknown', final: boolean): void
  /** A caller's audio frame went on to the model; `receivedAt` is `performance.now()` when it arrived. */
  frameToModel(receivedAt: number): void
  /** The model's audio went on to the caller; `receivedAt` is `performance.now()` when it arrived. */
  frameToCaller(receivedAt: number): void
}

export type WebhookPlatform = PlatformName | 'unknown'

export interface MetricsOptions {
  /** Orders being called now, as the database has them (see `callconfirm_calls_in_flight`). */
  callsInFlight: () => Promise<number>
  /** Whether every call is held back because Twilio refuses the account (see `callconfirm_dialling_paused`). */
  diallingPaused: () => boolean
  /**
   * prom-client's process metrics (CPU, memory, event loop lag, GC): on by default; off where the
   * runtime has no process to measure (workerd has no `process.cpuUsage`).
   */
  processMetrics?: boolean
}

/** Sub-millisecond to tens of milliseconds: passing a frame on should take well under one. */
export const FRAME_LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05]

/**
 * The service's metrics, in a registry of its own, so several services in one process (the
 * tests) never share or collide. Process metrics (CPU, memory, event loop lag, GC) come from
 * prom-client's defaults, named `callconfirm_…` like ours.
 *
 * @example
 * const metrics = createMetrics({ callsInFlight: () => callsInFlight(db), diallingPaused: () => currentHold(db) !== undefined })
 * metrics.outcomeDecided('confirmed')
 * const text = await metrics.registry.metrics()
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry()
  const registers = [registry]
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'callconfirm_' })

  // Asked of the database at each scrape rather than counted up and down in memory: a count kept
  // in memory starts at 0 after a crash while the calls it held are still `calling` (and are
  // settled later by recovery, perhaps by another worker), so it would drift or go negative. The
  // database is right across crashes and restarts. It counts every worker's calls, so with
  // several workers on one database take max(), not sum(), across them.
  new Gauge({
    name: 'callconfirm_calls_in_flight',
    help: 'Calls in flight: orders being dialled, ringing or on the line (status calling), across all workers.',
    registers,
    async collect() {
      this.set(await options.callsInFlight())
    },
  })

  // Read from the database at each scrape, as the gauge above: the hold is shared by every worker.
  new Gauge({
    name: 'callconfirm_dialling_paused',
    help: 'Whether every call is held back because Twilio refuses the account (1), as the database says for every worker; the dashboard and /healthz say why.',
    registers,
    collect() {
      this.set(options.diallingPaused() ? 1 : 0)
    },
  })

  const outcomes = new Counter({
    name: 'callconfirm_call_outcomes_total',
    help: "Final outcomes of orders' calls, counted when decided (orders closed at intake without a call are not counted).",
    labelNames: ['outcome'] as const,
    registers,
  })
  for (const outcome of OUTCOMES) outcomes.inc({ outcome }, 0)

  const callbacks = new Counter({
    name: 'callconfirm_callbacks_scheduled_total',
    help: 'Calls where the customer asked to be called back and the order was queued for that time.',
    registers,
  })

  const webhooks = new Counter({
    name: 'callconfirm_webhook_requests_total',
    help: 'Requests to /webhooks/shopify and /webhooks/woocommerce/*, by platform and HTTP status; any status but 2xx is a failure.',
    labelNames: ['platform', 'status'] as const,
    registers,
  })

  const storeWriteFailures = new Counter({
    name: 'callconfirm_store_write_failures_total',
    help: 'Writes to a store\'s order that failed: final="false" will be retried, final="true" was given up as failed.',
    labelNames: ['platform', 'final'] as const,
    registers,
  })
  for (const platform of PLATFORM_NAMES) for (const final of ['false', 'true'] as const) storeWriteFailures.inc({ platform, final }, 0)

  const frames = new Histogram({
    name: 'callconfirm_bridge_frame_latency_seconds',
    help: 'Time the voice bridge takes to pass one audio frame on: to_model (Twilio → OpenAI Realtime), to_caller (Realtime → Twilio).',
    labelNames: ['direction'] as const,
    buckets: FRAME_LATENCY_BUCKETS,
    registers,
  })
  // Bound once: labelling on every frame would hash the labels 50 times a second per call.
  const toModel = frames.labels({ direction: 'to_model' })
  const toCaller = frames.labels({ direction: 'to_caller' })
  frames.zero({ direction: 'to_model' })
  frames.zero({ direction: 'to_caller' })

  return {
    registry,
    outcomeDecided: (outcome) => void outcomes.inc({ outcome }),
    callbackScheduled: () => callbacks.inc(),
    webhookAnswered: (platform, status) => void webhooks.inc({ platform, status: String(status) }),
    storeWriteFailed: (platform, final) => void storeWriteFailures.inc({ platform, final: final ? 'true' : 'false' }),
    frameToModel: (receivedAt) => toModel.observe((performance.now() - receivedAt) / 1000),
    frameToCaller: (receivedAt) => toCaller.observe((performance.now() - receivedAt) / 1000),
  }
}
