import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { OrderItem, OrderStatus, Outcome, SkipReason } from '../domain/order.js'

/**
 * One schema for better-sqlite3 and a Durable Object's SQLite (src/worker/). Times are Unix milliseconds. No ON DELETE CASCADE:
 * drizzle-kit's table rebuilds would cascade-delete children. A rebuild turns foreign keys off
 * with a PRAGMA, which does nothing inside the one transaction `migrate()` runs in, so dropping
 * the parent cascades (https://github.com/drizzle-team/drizzle-orm/issues/4938). The application
 * deletes dependants itself.
 */

/** The platforms a store can run on; stores/platforms.ts has one adapter for each. */
export const PLATFORM_NAMES = ['shopify', 'woocommerce'] as const

const createdAt = () => integer('created_at').notNull().default(sql`(unixepoch() * 1000)`)

export const stores = sqliteTable(
  'stores',
  {
    id: text('id').primaryKey(),
    platform: text('platform', { enum: PLATFORM_NAMES }).notNull(),
    /** `shop.myshopify.com`, or the WooCommerce site URL without a trailing slash. */
    domain: text('domain').notNull(),
    country: text('country').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    disabledReason: text('disabled_reason'),
    /** Sealed JSON: `{accessToken}` or `{consumerKey, consumerSecret}`; null once redacted. */
    credentials: text('credentials'),
    /** Sealed; null means "the app's own secret" (Shopify apps with SHOPIFY_API_SECRET). */
    webhookSecret: text('webhook_secret'),
    /** The merchant's changes to the defaults (JSON); see domain/settings.ts. */
    settings: text('settings', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
    /** When the operator let this store place calls; null while it awaits approval (STORE_SIGNUP=approve). */
    approvedAt: integer('approved_at'),
    /** Calls a day the operator allows this store; null means the service's STORE_DAILY_CALLS. */
    dailyCallLimit: integer('daily_call_limit'),
    /** Settings links and merchant sessions carry this; raising it revokes every one handed out. */
    linkVersion: integer('link_version').notNull().default(1),
    /** When the last reconciliation pass finished asking this store for the orders we may have missed. */
    reconciledAt: integer('reconciled_at'),
    /** When the store's webhooks last needed repair (found switched off, turned back on), and what was done. */
    webhooksRepairedAt: integer('webhooks_repaired_at'),
    webhooksRepair: text('webhooks_repair'),
  },
  (t) => [uniqueIndex('stores_platform_domain_uq').on(t.platform, t.domain)],
)

export const orders = sqliteTable(
  'orders',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    storeId: text('store_id')
      .notNull()
      .references(() => stores.id),
    platformOrderId: text('platform_order_id').notNull(),
    name: text('name').notNull(),
    customerPlatformId: text('customer_platform_id'),
    customerName: text('customer_name'),
    /** E.164; null when there is none or after a redaction. */
    phone: text('phone'),
    phoneCountry: text('phone_country'),
    language: text('language').notNull(),
    city: text('city'),
    items: text('items', { mode: 'json' }).$type<OrderItem[]>().notNull(),
    total: text('total').notNull(),
    currency: text('currency').notNull(),
    paymentMethod: text('payment_method').notNull(),
    placedAt: text('placed_at'),
    status: text('status').$type<OrderStatus>().notNull(),
    skipReason: text('skip_reason').$type<SkipReason>(),
    outcome: text('outcome').$type<Outcome>(),
    evidence: text('evidence'),
    /** When the call job is due (queued orders). */
    nextCallAt: integer('next_call_at'),
    /** The scheduler process that holds this order while it is being called, and until when. */
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: integer('lease_expires_at'),
    redactedAt: integer('redacted_at'),
    /** Why a queued order is waiting past its time (a daily limit, approval), for the merchant to see. */
    waitReason: text('wait_reason'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    // One order, one call job: a replayed or duplicated delivery hits this and becomes a no-op.
    uniqueIndex('orders_store_platform_order_uq').on(t.storeId, t.platformOrderId),
    index('orders_status_next_call_idx').on(t.status, t.nextCallAt),
    index('orders_store_customer_idx').on(t.storeId, t.customerPlatformId),
    index('orders_status_lease_idx').on(t.status, t.leaseExpiresAt),
    index('orders_phone_idx').on(t.phone),
    // The dashboard's periods and date filters.
    index('orders_created_idx').on(t.createdAt),
  ],
)

export const callAttempts = sqliteTable(
  'call_attempts',
  {
    id: text('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    number: integer('number').notNull(),
    /** `dialing` until Twilio accepts the call, then Twilio's CallStatus; `not-placed` if it never was. */
    status: text('status').notNull(),
    callSid: text('call_sid'),
    answeredBy: text('answered_by'),
    startedAt: integer('started_at'),
    answeredAt: integer('answered_at'),
    endedAt: integer('ended_at'),
    createdAt: createdAt(),
    /** SHA-256 of the one-time token the media stream must present; cleared once used. */
    streamTokenHash: text('stream_token_hash'),
    /** The highest status-callback SequenceNumber applied: callbacks may arrive out of order. */
    lastSequence: integer('last_sequence'),
    durationSeconds: integer('duration_seconds'),
    /** Why the attempt ended without a conversation, for the merchant: a Twilio error, a machine. */
    error: text('error'),
    updatedAt: integer('updated_at'),
    /** `open` while a media stream bridges the call here; the call is settled once it is `closed`. */
    streamState: text('stream_state', { enum: ['open', 'closed'] }),
    /** How the conversation ended: agent_ended, customer_hung_up, agent_failed, silence, time_limit. */
    endReason: text('end_reason'),
    /** Realtime usage summed over the call's responses (OpenAI's field names). */
    usage: text('usage', { mode: 'json' }).$type<Record<string, number>>(),
    /** Estimated cost of the call: model tokens and telephony minutes, in US dollars. */
    costUsd: real('cost_usd'),
    /** Milliseconds from the stream's start to the greeting's first audio sent to Twilio. */
    greetingMs: integer('greeting_ms'),
    /** `outbound`: we called the customer; `inbound`: the customer rang our number back (calls/incomingCalls.ts). */
    direction: text('direction', { enum: ['outbound', 'inbound'] })
      .notNull()
      .default('outbound'),
  },
  (t) => [
    uniqueIndex('call_attempts_order_number_uq').on(t.orderId, t.number),
    uniqueIndex('call_attempts_call_sid_uq').on(t.callSid),
    // The day's calls and spend, per store and for the service (the daily limits).
    index('call_attempts_created_idx').on(t.createdAt),
  ],
)

export const transcriptLines = sqliteTable(
  'transcript_lines',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    attemptId: text('attempt_id').references(() => callAttempts.id),
    speaker: text('speaker', { enum: ['agent', 'customer', 'system'] }).notNull(),
    text: text('text').notNull(),
    at: integer('at').notNull(),
  },
  // `at` alone: the retention job deletes lines by age.
  (t) => [index('transcript_lines_order_idx').on(t.orderId, t.at), index('transcript_lines_at_idx').on(t.at)],
)

/** Shopify deliveries already handled, by `X-Shopify-Webhook-Id`; pruned after a week. */
export const webhookReceipts = sqliteTable(
  'webhook_receipts',
  {
    platform: text('platform').notNull(),
    deliveryId: text('delivery_id').notNull(),
    topic: text('topic').notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.deliveryId] }), index('webhook_receipts_received_idx').on(t.receivedAt)],
)

/** Privacy requests from the platform (Shopify's compliance topics) and what was done. */
export const privacyRequests = sqliteTable(
  'privacy_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    storeId: text('store_id').references(() => stores.id),
    shopDomain: text('shop_domain').notNull(),
    topic: text('topic').notNull(),
    /** For data requests: the data we hold on the customer. For redactions: what was erased. */
    report: text('report', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [index('privacy_requests_store_idx').on(t.storeId)],
)

/**
 * The outbox of writes to the stores' own orders (tags, notes, meta, status): each is stored in the
 * transaction that decides it, then delivered by the store writer, which retries until the store
 * has it or the failure is permanent (`failed`, with the reason, for a person to look at).
 */
export const storeWrites = sqliteTable(
  'store_writes',
  {
    // A plain rowid key: writes are never deleted, so ids only grow, without AUTOINCREMENT's bookkeeping.
    id: integer('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    storeId: text('store_id')
      .notNull()
      .references(() => stores.id),
    /**
     * `pending` when the call job is created, `outcome` once final, `withdrawn` if calling stopped
     * without one, `note` for a note a person added (orders/orderNotes.ts). A TypeScript enum only:
     * SQLite holds the text unchecked, so a new kind needs no migration.
     */
    kind: text('kind', { enum: ['pending', 'outcome', 'withdrawn', 'note'] }).notNull(),
    status: text('status', { enum: ['queued', 'sending', 'done', 'failed'] }).notNull(),
    /** Deliveries tried that failed in a way worth retrying (throttling does not count). */
    tries: integer('tries').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: integer('lease_expires_at'),
    lastError: text('last_error'),
    doneAt: integer('done_at'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('store_writes_status_due_idx').on(t.status, t.nextAttemptAt), index('store_writes_order_idx').on(t.orderId, t.id)],
)

/**
 * The `state` of installs under way (Shopify OAuth, WooCommerce connect), stored hashed: an install
 * completes only with a state we issued, before it expires, and once.
 */
export const installStates = sqliteTable('install_states', {
  /** SHA-256 of the state (hex): a copy of the database cannot finish someone's install. */
  stateHash: text('state_hash').primaryKey(),
  platform: text('platform', { enum: PLATFORM_NAMES }).notNull(),
  /** The shop domain or store URL the install was started for. */
  domain: text('domain').notNull(),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
  createdAt: integer('created_at').notNull(),
  /** SHA-256 of the cookie given to the browser that began the install: only it sees the result. */
  browserHash: text('browser_hash'),
  /** WooCommerce: the keys WooCommerce posted, sealed, until they are proven on the store. */
  pendingKeys: text('pending_keys'),
  /** The store the install completed into, once it has. */
  storeId: text('store_id'),
  /** Why a completed callback did not install (keys that do not work on the store, a refused address). */
  failure: text('failure'),
})

/**
 * Problems that hold back the whole service rather than one order, shared by every worker on the
 * database: while a row is here nothing of its kind happens (for `twilio_account`, no call is
 * dialled), and a probe at `nextProbeAt` checks whether it has gone away.
 */
export const serviceHolds = sqliteTable('service_holds', {
  /** What is held back: `twilio_account` (Twilio refused calls for a reason about the account). */
  kind: text('kind').primaryKey(),
  /** The vendor's error code, when it gave one. */
  code: integer('code'),
  /** What went wrong, in words for the operator. */
  problem: text('problem').notNull(),
  since: integer('since').notNull(),
  nextProbeAt: integer('next_probe_at').notNull(),
  /** Probes that found the problem still there. */
  probes: integer('probes').notNull().default(0),
  updatedAt: integer('updated_at').notNull(),
})

/** What an alert is about: an order a person must look at, an order the store would not take our write for, the morning digest. */
export const ALERT_KINDS = ['needs_review', 'write_failed', 'digest'] as const

/**
 * Alert email to merchants (src/alerts/), one row per event, found by the alerter's pass and kept
 * once (the unique keys), then sent: a row is the record that an alert went out, so no restart or
 * second worker sends it twice. A store without an alert address gets its rows `skipped`.
 */
export const alerts = sqliteTable(
  'alerts',
  {
    id: integer('id').primaryKey(),
    storeId: text('store_id')
      .notNull()
      .references(() => stores.id),
    kind: text('kind', { enum: ALERT_KINDS }).notNull(),
    /** The order an order's alert is about; null for a digest. */
    orderId: integer('order_id').references(() => orders.id),
    /** The store's local day a digest covers (`2026-12-01`); null for an order's alert. */
    day: text('day'),
    status: text('status', { enum: ['queued', 'sent', 'skipped', 'failed'] }).notNull(),
    /** Sending attempts that failed (the SMTP server down or refusing). */
    tries: integer('tries').notNull().default(0),
    /** When it is next tried; a worker sending it holds it by moving this ahead. */
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    sentAt: integer('sent_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('alerts_order_uq').on(t.kind, t.orderId).where(sql`${t.orderId} is not null`),
    uniqueIndex('alerts_digest_uq').on(t.storeId, t.day).where(sql`${t.day} is not null`),
    index('alerts_status_due_idx').on(t.status, t.nextAttemptAt),
  ],
)

/** Where a call's recording stands: `requested` when the call is placed with recording, then Twilio's RecordingStatus. */
export const RECORDING_STATUSES = ['requested', 'in-progress', 'completed', 'absent', 'failed'] as const

/**
 * Twilio's recording of a call (a store with `recordCalls` on), one per attempt: written when the
 * call is placed, then what the signed recording callbacks say. The audio stays at Twilio and is
 * streamed through us with the account's credentials; no URL is kept (it is rebuilt from the
 * SID). A row marked for deletion (retention, redaction) is no longer played, and is removed once
 * Twilio has deleted the audio; a refused DELETE is tried again at `deleteAt`.
 */
export const callRecordings = sqliteTable(
  'call_recordings',
  {
    attemptId: text('attempt_id')
      .primaryKey()
      .references(() => callAttempts.id),
    /** Twilio's Recording SID (`RE…`), once a callback names it. */
    recordingSid: text('recording_sid'),
    status: text('status', { enum: RECORDING_STATUSES }).notNull(),
    durationSeconds: integer('duration_seconds'),
    channels: integer('channels'),
    /** When the recording is next to be deleted at Twilio; null while it is kept. */
    deleteAt: integer('delete_at'),
    /** Deletions at Twilio that failed, and why the last one did. */
    deleteTries: integer('delete_tries').notNull().default(0),
    deleteError: text('delete_error'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('call_recordings_sid_uq').on(t.recordingSid),
    index('call_recordings_delete_idx').on(t.deleteAt),
    // The retention job marks recordings by age.
    index('call_recordings_created_idx').on(t.createdAt),
  ],
)

/** What a message to or from a customer is for (src/messages/). */
export const MESSAGE_PURPOSES = ['ask', 'choices', 'thanks', 'closed', 'stopped', 'reply'] as const

/**
 * Messages to and from an order's customer (src/messages/): the question sent when the calls went
 * unanswered (`ask`, WhatsApp then SMS), our answers to their replies, and the replies themselves.
 * An outbound row is written `due` before Twilio is asked (so no restart sends it twice), then
 * carries Twilio's SID and the statuses its callbacks report, with what Twilio charged for it.
 */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    direction: text('direction', { enum: ['outbound', 'inbound'] }).notNull(),
    channel: text('channel', { enum: ['whatsapp', 'sms'] }).notNull(),
    /** `ask`: the question; `choices`: the choices again after an unclear reply; `thanks`, `closed` (answered already), `stopped` (after STOP); `reply`: the customer's. */
    purpose: text('purpose', { enum: MESSAGE_PURPOSES }).notNull(),
    /** Twilio's Message SID, once Twilio took the message (a received one's own). */
    sid: text('sid'),
    /** `due` until sent, `sending` while Twilio is asked, then Twilio's MessageStatus; `refused` when Twilio would not take it; `received` for a reply. */
    status: text('status').notNull(),
    /** Twilio's error code of a refusal or a failed delivery, and what it means for the flow (messages/twilioMessages.ts MessageRefusal). */
    errorCode: integer('error_code'),
    refusal: text('refusal'),
    /** What Twilio charged for it, US dollars, once it says. */
    costUsd: real('cost_usd'),
    /** The text as sent or received (a template's variables are filled in by Twilio; ours is its summary). */
    body: text('body').notNull(),
    /** When a `due` message is to be sent: now, or later after Twilio had a bad moment; `tries` such moments. */
    sendAt: integer('send_at'),
    tries: integer('tries').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('messages_sid_uq').on(t.sid),
    // One question per order and channel, however often the flow is started.
    uniqueIndex('messages_ask_uq').on(t.orderId, t.channel).where(sql`${t.purpose} = 'ask'`),
    index('messages_order_idx').on(t.orderId, t.id),
    index('messages_status_due_idx').on(t.status, t.sendAt),
  ],
)

/**
 * Numbers whose owner asked not to be contacted (STOP, NDALO… by SMS or WhatsApp): no call is
 * dialled to them and no message sent, whichever store's order it is.
 */
export const doNotContact = sqliteTable('do_not_contact', {
  /** E.164. */
  phone: text('phone').primaryKey(),
  /** The word they sent, and where. */
  word: text('word').notNull(),
  channel: text('channel', { enum: ['whatsapp', 'sms'] }).notNull(),
  createdAt: integer('created_at').notNull(),
})
