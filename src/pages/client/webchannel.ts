// Firefox's WebChannel as the pages will speak it (FIREFOX.md §2.2): messages to Firefox are
// CustomEvents 'WebChannelMessageToChrome' on window whose detail is a JSON *string*
// {id:'account_updates', message:{command, data, messageId}}; Firefox answers with
// 'WebChannelMessageToContent' whose detail is an *object* repeating command and messageId.
// A wrong origin gets {message:{errno:2, error:'No Such Channel'}} with no messageId.
// Not wired into the pages yet (issue 10's next step: the context=oauth_webchannel_v1 flow).
// No DOM types: `target` is any EventTarget (window in the browser, a fake in tests).

export const CHANNEL_ID = 'account_updates';
export const TO_CHROME = 'WebChannelMessageToChrome';
export const TO_CONTENT = 'WebChannelMessageToContent';

export class WebChannelError extends Error {
  constructor(
    message: string,
    /** 2: No Such Channel (this origin is not Firefox's account server). */
    readonly errno?: number,
  ) {
    super(message);
    this.name = 'WebChannelError';
  }
}

interface Pending {
  command: string;
  resolve(data: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface ContentMessage {
  id?: unknown;
  message?: { command?: unknown; messageId?: unknown; data?: unknown; errno?: unknown; error?: unknown };
}

export class WebChannel {
  private readonly pending = new Map<string, Pending>();
  private counter = 0;
  private readonly listener = (event: Event) => this.receive((event as CustomEvent<unknown>).detail);

  constructor(
    private readonly target: EventTarget,
    private readonly timeoutMs = 10_000,
  ) {
    target.addEventListener(TO_CONTENT, this.listener);
  }

  /** Sends without waiting (logout and delete: Firefox never answers them, FIREFOX.md §2.5). */
  send(command: string, data: unknown = {}): string {
    const messageId = `${Date.now()}-${++this.counter}`;
    const detail = JSON.stringify({ id: CHANNEL_ID, message: { command, data, messageId } });
    this.target.dispatchEvent(new CustomEvent(TO_CHROME, { detail }));
    return messageId;
  }

  /** Sends and waits for Firefox's answer to this message (its `data`), or rejects. */
  request<T>(command: string, data: unknown = {}, timeoutMs = this.timeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const messageId = `${Date.now()}-${++this.counter}`;
      const timer = setTimeout(() => {
        this.pending.delete(messageId);
        reject(new WebChannelError(`no answer to ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(messageId, { command, resolve: resolve as (data: unknown) => void, reject, timer });
      const detail = JSON.stringify({ id: CHANNEL_ID, message: { command, data, messageId } });
      this.target.dispatchEvent(new CustomEvent(TO_CHROME, { detail }));
    });
  }

  close(): void {
    this.target.removeEventListener(TO_CONTENT, this.listener);
    for (const [messageId, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new WebChannelError('channel closed'));
      this.pending.delete(messageId);
    }
  }

  private receive(detail: unknown): void {
    // Firefox sends an object; a string is tolerated (older builds, tests).
    let parsed: ContentMessage;
    try {
      parsed = (typeof detail === 'string' ? JSON.parse(detail) : detail) as ContentMessage;
    } catch {
      return;
    }
    if (!parsed || parsed.id !== CHANNEL_ID || !parsed.message) return;
    const { message } = parsed;
    if (message.messageId === undefined && typeof message.errno === 'number') {
      // No Such Channel: nothing sent on this channel will be answered.
      for (const [messageId, pending] of this.pending) {
        clearTimeout(pending.timer);
        pending.reject(new WebChannelError(String(message.error ?? 'WebChannel error'), message.errno));
        this.pending.delete(messageId);
      }
      return;
    }
    const pending = typeof message.messageId === 'string' ? this.pending.get(message.messageId) : undefined;
    if (!pending) return;
    this.pending.delete(message.messageId as string);
    clearTimeout(pending.timer);
    const data = message.data as { error?: unknown } | undefined;
    if (data && typeof data === 'object' && data.error !== undefined) {
      const error = data.error as { message?: unknown } | string;
      pending.reject(new WebChannelError(typeof error === 'string' ? error : String(error.message ?? 'WebChannel error')));
      return;
    }
    pending.resolve(data);
  }
}
