/**
 * The media streams this process holds, each from its socket's opening until its bridge has
 * written the call's end (CallBridge.onClose). A process that stops waits until there are none,
 * or its database would close under a conversation still being written down (the drain).
 */
export interface LiveStreams {
  /** Streams open, or closed and still writing their end. */
  readonly count: number
  /**
   * A stream's socket has opened, with the way to end it (`cut`): counted until the promise
   * handed to the function returned (the bridge's end) settles.
   *
   * @example
   * const ended = liveStreams.opened((why) => bridge.cut(why))
   * socket.on('close', () => ended(bridge.onClose()))
   */
  opened(cut: (why: string) => void): (end: Promise<void>) => void
  /**
   * Ends every stream still open, and any opened from now on (the process is stopping); resolves
   * once each has written its end.
   */
  cutAll(why: string): Promise<void>
}

interface Stream {
  cut: (why: string) => void
  closed: boolean
}

export function createLiveStreams(): LiveStreams {
  const streams = new Set<Stream>()
  let idle: Array<() => void> = []
  let stopping: string | undefined
  const ended = (stream: Stream) => {
    streams.delete(stream)
    if (streams.size) return
    for (const resolve of idle) resolve()
    idle = []
  }
  return {
    get count() {
      return streams.size
    },
    opened(cut) {
      const stream = { cut, closed: false }
      streams.add(stream)
      // Let in as the process stops (a call answered just then): ended once its bridge is set up.
      const why = stopping
      if (why !== undefined) queueMicrotask(() => cut(why))
      return (end) => {
        if (stream.closed) return
        stream.closed = true
        void end.finally(() => ended(stream))
      }
    },
    cutAll(why) {
      stopping = why
      for (const stream of streams) if (!stream.closed) stream.cut(why)
      return streams.size ? new Promise((resolve) => idle.push(resolve)) : Promise.resolve()
    },
  }
}
