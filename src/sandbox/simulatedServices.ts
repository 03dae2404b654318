import type { Config } from '../config.js'
import { configuredRealtime, configuredTwilio } from '../configuredServices.js'
import type { OutsideServices } from '../service.js'
import { type RealModel, type RealtimeSimulator, startRealtimeSimulator } from './realtime/simulator.js'
import { startTwilioSimulator, type TwilioSimulator } from './twilio/simulator.js'

export interface SimulatedServices {
  /** What to hand startService: the configured services, a simulator for each one not configured. */
  services: OutsideServices
  /** The simulated Twilio, when no Twilio credentials were given. */
  twilio: TwilioSimulator | undefined
  /** The simulated OpenAI Realtime, when no OpenAI key was given. */
  realtime: RealtimeSimulator | undefined
  /** Stops the simulators started here. */
  close(): Promise<void>
}

/**
 * The outside services for a sandbox or test run: each one the config names, and in this process
 * a simulator for each one it does not. The simulated Twilio's phones answer after three rings
 * and, with nobody to talk to them yet, hang up after twenty seconds; the simulated model starts
 * speaking 300 ms after it is asked, or, given `realModel`, behaves as the real one is reported
 * to (seeded: see realtime/realModel.ts).
 *
 * @example
 * const simulated = await simulateMissingServices(config)
 * const service = await startService(config, log, simulated.services)
 * await service.close(); await simulated.close()
 */
export async function simulateMissingServices(config: Config, simulation: { realModel?: RealModel } = {}): Promise<SimulatedServices> {
  let realtime: RealtimeSimulator | undefined
  let endpoint = configuredRealtime(config)
  if (!endpoint) {
    const apiKey = `sk-sandbox-${crypto.randomUUID()}`
    realtime = await startRealtimeSimulator({ apiKey, firstAudioMs: 300, ...(simulation.realModel && { realModel: simulation.realModel }) })
    endpoint = { url: realtime.url, apiKey }
  }
  let twilio: TwilioSimulator | undefined
  let account = configuredTwilio(config)
  if (!account) {
    const sandbox = { accountSid: `AC${'0'.repeat(32)}`, authToken: crypto.randomUUID(), fromNumber: '+35542000000' }
    twilio = await startTwilioSimulator({
      ...sandbox,
      fromNumbers: [sandbox.fromNumber],
      defaultBehaviour: { kind: 'human', ringMs: 3000, hangUpAfterMs: 20_000 },
    }).catch(async (error) => {
      await realtime?.close()
      throw error
    })
    account = { ...sandbox, apiOrigin: twilio.origin }
  }
  return {
    services: { twilio: account, realtime: endpoint },
    twilio,
    realtime,
    async close() {
      await twilio?.close()
      await realtime?.close()
    },
  }
}
