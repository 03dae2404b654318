/**
 * The talk page's browser code, served as it is written (no front-end build): the microphone as
 * telephone audio (8 kHz µ-law in 20 ms frames, as Twilio sends a caller's), and the page's side
 * of the media-stream protocol (connected, start, media, dtmf, stop; the agent's audio played as
 * it comes, marks answered once what came before them has played, `clear` dropping what is queued).
 */

/**
 * From the audio context's rate to telephone audio: each 8 kHz sample is the mean of the input
 * samples it spans (a box filter, enough against aliasing for a voice), then G.711 µ-law. Shared
 * by the AudioWorklet and the ScriptProcessor fallback.
 */
const TELEPHONE_FRAMES = `
function mulawByte(x) {
  let s = Math.round(Math.max(-1, Math.min(1, x)) * 32767)
  const sign = s < 0 ? 0x80 : 0
  if (s < 0) s = -s
  s = Math.min(s, 32635) + 0x84
  let exponent = 7
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent--, mask >>= 1);
  return ~(sign | (exponent << 4) | ((s >> (exponent + 3)) & 0x0f)) & 0xff
}
function telephoneFrames(inputRate, onFrame) {
  const ratio = inputRate / 8000
  let sum = 0, count = 0, position = 0, next = ratio, filled = 0
  let frame = new Uint8Array(160)
  return (samples) => {
    for (let i = 0; i < samples.length; i++) {
      sum += samples[i]
      count++
      if (++position < next) continue
      next += ratio
      frame[filled++] = mulawByte(sum / count)
      sum = 0
      count = 0
      if (filled === frame.length) {
        onFrame(frame)
        frame = new Uint8Array(160)
        filled = 0
      }
    }
  }
}
`

/** `/talk/capture.js`: the AudioWorklet that turns the microphone into frames, off the page's main thread. */
export const CAPTURE_WORKLET = `${TELEPHONE_FRAMES}
class TelephoneCapture extends AudioWorkletProcessor {
  constructor() {
    super()
    this.frames = telephoneFrames(sampleRate, (frame) => this.port.postMessage(frame, [frame.buffer]))
  }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0]
    if (channel) this.frames(channel)
    return true
  }
}
registerProcessor('telephone-capture', TelephoneCapture)
`

/**
 * The page: Start opens the socket and the microphone, the keypad sends \`dtmf\`, Stop sends \`stop\`.
 * \`window.talk\` counts frames sent, received and played, for the page's test.
 */
export const TALK_SCRIPT = `${TELEPHONE_FRAMES}
const root = document.getElementById('talk')
const $ = (id) => document.getElementById(id)
const labels = JSON.parse(root.dataset.labels)
const counts = (window.talk = { framesSent: 0, framesReceived: 0, framesPlayed: 0, marksAnswered: 0, clears: 0 })
const streamSid = 'MZ' + crypto.randomUUID().replaceAll('-', '')
const MULAW = new Float32Array(256)
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << ((u >> 4) & 7)) - 0x84
  MULAW[i] = (u & 0x80 ? -magnitude : magnitude) / 32768
}
let socket, audio, microphone, capture
let sequence = 0, chunk = 0, playhead = 0, last
/** Each agent frame queued, with the marks that wait for it to have played. */
const queued = new Map()

const send = (message) => socket && socket.readyState === 1 && socket.send(JSON.stringify({ ...message, streamSid, sequenceNumber: String(++sequence) }))
const answerMark = (name) => {
  counts.marksAnswered++
  send({ event: 'mark', mark: { name } })
}
function setState(state, text) {
  root.dataset.state = state
  $('status').textContent = text
  $('start').disabled = state === 'starting' || state === 'live' || state === 'calling'
  $('start').textContent = state === 'ended' ? labels.startAgain : labels.start
  $('stop').disabled = state !== 'live'
  for (const key of root.querySelectorAll('[data-key]')) key.disabled = state !== 'live'
}
function line(speaker, text) {
  const p = document.createElement('p')
  p.className = speaker
  if (speaker !== 'system') {
    const who = document.createElement('b')
    who.textContent = speaker === 'agent' ? labels.agent : labels.you
    p.append(who, ' ')
  }
  p.append(text)
  $('transcript').append(p)
}
function showOutcome(kind, label, evidence) {
  const outcome = $('outcome')
  outcome.hidden = false
  outcome.dataset.outcome = kind
  outcome.textContent = label + (evidence ? ': ' + evidence : '')
}

function play(payload) {
  counts.framesReceived++
  const bytes = atob(payload)
  const buffer = audio.createBuffer(1, bytes.length, 8000)
  const samples = buffer.getChannelData(0)
  for (let i = 0; i < bytes.length; i++) samples[i] = MULAW[bytes.charCodeAt(i)]
  const source = audio.createBufferSource()
  source.buffer = buffer
  source.connect(audio.destination)
  const at = Math.max(audio.currentTime, playhead)
  source.start(at)
  playhead = at + buffer.duration
  queued.set(source, [])
  last = source
  source.onended = () => {
    counts.framesPlayed++
    const marks = queued.get(source) || []
    queued.delete(source)
    if (last === source) last = undefined
    marks.forEach(answerMark)
  }
}
/** As Twilio does: a mark comes back once the audio sent before it has played, or at once if none is queued. */
function mark(name) {
  if (last) queued.get(last).push(name)
  else answerMark(name)
}
/** Barge-in: what is queued is dropped, and every mark waiting on it comes back now. */
function clear() {
  counts.clears++
  for (const [source, marks] of queued) {
    source.onended = null
    source.stop()
    marks.forEach(answerMark)
  }
  queued.clear()
  last = undefined
  playhead = 0
}

function onMessage(message) {
  switch (message.event) {
    case 'media': return play(message.media.payload)
    case 'mark': return mark(message.mark.name)
    case 'clear': return clear()
    case 'transcript': return line(message.speaker, message.text)
    case 'outcome': return showOutcome(message.outcome, labels[message.outcome] || message.outcome, message.evidence)
    case 'callback': return showOutcome('callback', labels.callbackAt + ' ' + new Date(message.at).toLocaleString(document.documentElement.lang), message.evidence)
    case 'refused': return setState('ended', labels[message.reason] || labels.refused)
  }
}

function frame(bytes) {
  if (!socket || socket.readyState !== 1) return
  chunk++
  counts.framesSent++
  send({ event: 'media', media: { track: 'inbound', chunk: String(chunk), timestamp: String(chunk * 20), payload: btoa(String.fromCharCode.apply(null, bytes)) } })
}
async function startCapture() {
  const source = audio.createMediaStreamSource(microphone)
  if (audio.audioWorklet && window.AudioWorkletNode) {
    await audio.audioWorklet.addModule(root.dataset.worklet)
    capture = new AudioWorkletNode(audio, 'telephone-capture')
    capture.port.onmessage = (event) => frame(event.data)
  } else {
    const toFrames = telephoneFrames(audio.sampleRate, frame)
    capture = audio.createScriptProcessor(2048, 1, 1)
    capture.onaudioprocess = (event) => toFrames(event.inputBuffer.getChannelData(0))
  }
  source.connect(capture)
  // Its output is silence; connected, so that the browser keeps pulling the microphone through it.
  capture.connect(audio.destination)
}
function finish(text) {
  if (microphone) for (const track of microphone.getTracks()) track.stop()
  if (capture) capture.disconnect()
  if (root.dataset.state !== 'ended') setState('ended', text)
}

$('start').addEventListener('click', async () => {
  // Tokens are spent once: a new conversation takes a new page (and not the test call this one followed).
  if (root.dataset.state === 'ended') return location.replace(location.pathname + location.search.replace(/&call=[^&]*/, ''))
  setState('starting', labels.askingMic)
  try {
    audio = new AudioContext()
    await audio.resume()
    microphone = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true } })
  } catch (error) {
    return finish(labels.noMic + ' ' + error.message)
  }
  socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + root.dataset.socket)
  socket.onopen = async () => {
    send({ event: 'connected', protocol: 'Call', version: '1.0.0' })
    send({ event: 'start', start: { streamSid, callSid: '', tracks: ['inbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }, customParameters: {} } })
    await startCapture()
    if (root.dataset.state === 'starting') setState('live', labels.connected)
  }
  socket.onmessage = (event) => onMessage(JSON.parse(event.data))
  socket.onclose = () => finish(labels.over)
})
$('stop').addEventListener('click', () => {
  send({ event: 'stop', stop: {} })
  socket.close(1000)
})
for (const key of root.querySelectorAll('[data-key]'))
  key.addEventListener('click', () => send({ event: 'dtmf', dtmf: { track: 'inbound_track', digit: key.dataset.key } }))

/** A test call this page placed ("Call me"): how it stands, asked every second until it is over. */
async function followCall(seen) {
  let call
  try {
    const res = await fetch(root.dataset.call, { headers: { accept: 'application/json' } })
    if (res.status === 404) return setState('ended', labels.unknownCall)
    if (res.ok) call = await res.json()
  } catch {}
  if (!call) return setTimeout(() => followCall(seen), 2000)
  call.events.slice(seen).forEach(onMessage)
  setState(call.state === 'ended' ? 'ended' : 'calling', labels[call.state])
  if (call.state !== 'ended') setTimeout(() => followCall(call.events.length), 1000)
}
if (root.dataset.call) followCall(0)
`
