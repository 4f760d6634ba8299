// The Earnest HTTP API (docs/api.md) from the browser: JSON calls with problem+json errors, wallet sign-in, and the
// event stream (read with fetch, so the token travels in the Authorization header, never in a URL).

/** A refused call: the problem+json the server answered (RFC 9457). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
    /** Field → messages, for validation errors. */
    this.errors = problem?.errors ?? {};
  }
}

export class Api {
  constructor(token = null) {
    this.token = token;
  }

  async call(method, path, body, { accept = 'application/json' } = {}) {
    const headers = { Accept: accept };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, { title: 'offline', detail: null });
    }
    if (response.status === 204) return null;
    const type = response.headers.get('Content-Type') ?? '';
    if (!response.ok) {
      const problem = type.includes('json') ? await response.json().catch(() => null) : null;
      throw new ApiError(response.status, problem);
    }
    return type.includes('json') ? response.json() : response.text();
  }

  get(path, options) { return this.call('GET', path, undefined, options); }
  post(path, body = {}) { return this.call('POST', path, body); }

  /** Signs in with a wallet: the server's challenge, signed; keeps the token. */
  async signIn(wallet) {
    const challenge = await this.post('/v1/auth/challenge', { address: wallet.address });
    const signature = await wallet.signText(challenge.message);
    const token = await this.post('/v1/auth/token', { address: wallet.address, message: challenge.message, signature });
    this.token = token.token;
    return token;
  }

  /**
   * Follows the caller's events (payment, decision, campaign, progress) until `signal` aborts; reconnects after a
   * dropped connection. `onOpen` runs at each (re)connection, so the caller can re-read what it may have missed.
   */
  async events(onEvent, { signal, onOpen } = {}) {
    let delay = 500;
    while (!signal?.aborted) {
      try {
        const response = await fetch('/v1/events', {
          headers: { Authorization: `Bearer ${this.token}`, Accept: 'text/event-stream' }, signal,
        });
        if (response.status === 401) return;
        if (!response.ok) throw new Error(String(response.status));
        delay = 500;
        onOpen?.();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = 'message';
            let data = '';
            for (const line of frame.split('\n')) {
              if (line.startsWith('event: ')) type = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data) onEvent(type, JSON.parse(data));
          }
        }
      } catch (e) {
        if (signal?.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
