import type { TwilioAccount } from './calls/twilio.js'
import type { Config } from './config.js'
import type { ReadyConfig } from './deps.js'
import type { OutsideServices, RealtimeEndpoint } from './service.js'

/**
 * The Twilio account the config names, when all its credentials are set.
 *
 * @example
 * const account = configuredTwilio(config) ?? (await simulatedTwilio())
 */
export function configuredTwilio(config: Config): TwilioAccount | undefined {
  const { accountSid, authToken, fromNumber, apiOrigin } = config.twilio
  return accountSid && authToken && fromNumber ? { accountSid, authToken, fromNumber, apiOrigin } : undefined
}

/**
 * The OpenAI Realtime endpoint the config names, when its key is set.
 *
 * @example
 * const realtime = configuredRealtime(config) // { url: 'wss://api.openai.com/v1/realtime', apiKey }
 */
export function configuredRealtime(config: Config): RealtimeEndpoint | undefined {
  const { apiKey, realtimeUrl } = config.openai
  return apiKey ? { url: realtimeUrl, apiKey } : undefined
}

/**
 * A live deployment's outside services, exactly as configured. Outside sandbox mode config.ts has
 * already refused to start without them, so a missing one here is a programming error.
 *
 * @example
 * const service = await startService(config, log, configuredServices(config))
 */
export function configuredServices(config: Config): OutsideServices {
  const twilio = configuredTwilio(config)
  const realtime = configuredRealtime(config)
  if (!twilio || !realtime)
    throw new Error('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER and OPENAI_API_KEY are required outside sandbox mode')
  return { twilio, realtime }
}

/**
 * A live config with its secrets: outside sandbox mode config.ts has refused to go on without
 * ADMIN_TOKEN and ENCRYPTION_KEY; this tells the type checker.
 *
 * @example
 * const service = await startService(liveConfig(config), log, configuredServices(config))
 */
export function liveConfig(config: Config): ReadyConfig {
  const { adminToken, encryptionKey } = config
  if (!adminToken || !encryptionKey) throw new Error('ADMIN_TOKEN and ENCRYPTION_KEY are required outside sandbox mode')
  return { ...config, adminToken, encryptionKey }
}
