import { describe, expect, it } from 'vitest'
import { type CallBackFacts, callerNumber, decideCallBack } from './callBack.js'

const room: CallBackFacts = {
  caller: '+355691234567',
  order: { status: 'queued' },
  storeSaysStop: false,
  callsInFlight: 0,
  storeCallsInFlight: 0,
  serviceCallsToday: 0,
  serviceSpendTodayUsd: 0,
}
const limits = { maxConcurrent: 10, storeMaxConcurrent: 3, serviceDailyCalls: 100, serviceDailySpendUsd: 50 }

describe('a call to our number', () => {
  it('goes to the agent when the caller has an open order, not being called, and there is a line for it', () => {
    expect(decideCallBack(room, limits)).toEqual({ action: 'connect' })
    expect(decideCallBack({ ...room, order: { status: 'done' } }, limits)).toEqual({ action: 'connect' })
  })

  it('gets a message, never the agent, for a hidden number, no open order, an order the store no longer wants, or one being called', () => {
    expect(decideCallBack({ ...room, caller: undefined }, limits)).toEqual({ action: 'say', message: 'withheldNumber' })
    expect(decideCallBack({ ...room, order: undefined }, limits)).toEqual({ action: 'say', message: 'nothingToConfirm' })
    expect(decideCallBack({ ...room, storeSaysStop: true }, limits)).toEqual({ action: 'say', message: 'nothingToConfirm' })
    expect(decideCallBack({ ...room, order: { status: 'calling' } }, limits)).toEqual({ action: 'say', message: 'beingCalled' })
  })

  it("is told the lines are busy when the service's or the store's calls at once, or the day's calls or spend, are used up", () => {
    for (const full of [{ callsInFlight: 10 }, { storeCallsInFlight: 3 }, { serviceCallsToday: 100 }, { serviceSpendTodayUsd: 50 }])
      expect(decideCallBack({ ...room, ...full }, limits), JSON.stringify(full)).toEqual({ action: 'say', message: 'linesBusy' })
  })

  it("reads the caller's number only when Twilio gives one in E.164", () => {
    expect(callerNumber('+355691234567')).toBe('+355691234567')
    for (const hidden of [undefined, '', 'anonymous', 'Restricted', '+266696687', '0691234567']) expect(callerNumber(hidden)).toBeUndefined()
  })
})
