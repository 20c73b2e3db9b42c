import { createInbox, headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';

/** Stores messages on JetStream and waits for each one's acknowledgement. */
export interface AckedPublisher {
  /**
   * Writes every message to the connection now, in order, and resolves when JetStream has
   * acknowledged them all; rejects when one is refused or `timeoutMs` passes first.
   */
  publish(
    messages: readonly { subject: string; payload: Uint8Array; msgId: string }[],
    timeoutMs: number,
  ): Promise<void>;
  close(): void;
}

/**
 * JetStream publishing over one reply subscription. `js.publish` makes each message a
 * request with its own timer and a discarded Error on resolution, which made the relay the
 * hub's busiest code; here acks are matched by reply subject and a batch has one timer.
 * The Nats-Msg-Id header keeps the stream's duplicate window working as before.
 */
export function createAckedPublisher(nc: NatsConnection): AckedPublisher {
  const inbox = createInbox();
  const waiting = new Map<string, { resolve(): void; reject(error: Error): void }>();
  let next = 0;
  const subscription: Subscription = nc.subscribe(`${inbox}.*`, {
    callback: (error, msg) => {
      if (error) return;
      const token = msg.subject.slice(inbox.length + 1);
      const waiter = waiting.get(token);
      if (!waiter) return;
      waiting.delete(token);
      if (msg.headers?.code === 503) return waiter.reject(new Error('no JetStream stream for this subject'));
      const ack = msg.json<{ stream?: string; error?: { description?: string } }>();
      if (ack.error || !ack.stream)
        waiter.reject(new Error(`JetStream refused the message: ${ack.error?.description}`));
      else waiter.resolve();
    },
  });

  return {
    async publish(messages, timeoutMs) {
      const tokens: string[] = [];
      const acks = messages.map(
        (message) =>
          new Promise<void>((resolve, reject) => {
            const token = (next++).toString(36);
            tokens.push(token);
            waiting.set(token, { resolve, reject });
            const h = headers();
            h.set('Nats-Msg-Id', message.msgId);
            nc.publish(message.subject, message.payload, { reply: `${inbox}.${token}`, headers: h });
          }),
      );
      const timer = setTimeout(() => {
        for (const token of tokens) {
          waiting.get(token)?.reject(new Error('JetStream publish acknowledgement timed out'));
          waiting.delete(token);
        }
      }, timeoutMs);
      try {
        await Promise.all(acks);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      subscription.unsubscribe();
      for (const waiter of waiting.values()) waiter.reject(new Error('NATS transport stopped'));
      waiting.clear();
    },
  };
}
