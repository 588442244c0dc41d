/** One Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads an event stream with fetch (so it carries the bearer token, which EventSource cannot), yielding each
 * event as it arrives; ends when the server closes the stream or `signal` aborts.
 */
export async function* readEventStream(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event: { event?: string; data: string[]; id?: string } = { data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline: number;
      while ((newline = buffer.search(/\r?\n/)) >= 0) {
        const raw = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
        if (raw === '') {
          if (event.data.length > 0) yield { event: event.event ?? 'message', data: event.data.join('\n'), id: event.id };
          event = { data: [] };
          continue;
        }
        if (raw.startsWith(':')) continue;
        const colon = raw.indexOf(':');
        const field = colon < 0 ? raw : raw.slice(0, colon);
        const text = colon < 0 ? '' : raw.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.event = text;
        else if (field === 'data') event.data.push(text);
        else if (field === 'id') event.id = text;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
