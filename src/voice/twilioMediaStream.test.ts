import { describe, expect, it } from 'vitest'
import { audioMessage, readStreamMessage } from './twilioMediaStream.js'

// Shapes as Twilio sends them (twilio.com/docs/voice/media-streams/websocket-messages).
const media = (payload: string, timestamp = '5020') =>
  `{"event":"media","sequenceNumber":"253","media":{"track":"inbound","chunk":"252","timestamp":"${timestamp}","payload":"${payload}"},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}`

describe('reading Twilio media stream messages', () => {
  it('reads a media frame by position exactly as a full parse would', () => {
    const payload = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 37) % 256)).toString('base64')
    expect(readStreamMessage(media(payload))).toEqual({ kind: 'audio', payload, timestamp: 5020 })
  })

  it('unescapes a payload written with JSON escapes instead of passing the backslashes on', () => {
    expect(readStreamMessage(media('ab\\/cd+/=='))).toEqual({ kind: 'audio', payload: 'ab/cd+/==', timestamp: 5020 })
  })

  it('reads the other events, and calls anything it does not know unknown', () => {
    expect(readStreamMessage('{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}')).toEqual({
      kind: 'dtmf',
      digit: '1',
    })
    expect(readStreamMessage('{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"0:item_1:1000"}}')).toEqual({
      kind: 'mark',
      name: '0:item_1:1000',
    })
    expect(readStreamMessage('{"event":"stop","sequenceNumber":"9","streamSid":"MZ1","stop":{"accountSid":"AC1","callSid":"CA1"}}')).toEqual({
      kind: 'stop',
    })
    expect(readStreamMessage('{"event":"media",')).toEqual({ kind: 'unknown' })
    expect(readStreamMessage('not json')).toEqual({ kind: 'unknown' })
  })

  it('builds audio messages that parse back to what was sent', () => {
    expect(JSON.parse(audioMessage('MZ1', 'AAEC/w=='))).toEqual({ event: 'media', streamSid: 'MZ1', media: { payload: 'AAEC/w==' } })
  })
})
