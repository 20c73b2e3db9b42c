import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { EventEnvelope } from '@made-open/shared';
import type { Logger } from '../../platform/logger.ts';
import type { Delivery } from './transport.ts';

export interface StreamConsumer {
  stop(): void;
  done: Promise<void>;
}

/**
 * Runs one durable JetStream consumer on one stream: a reader queues what the pull brings,
 * a worker hands everything queued to `deliver` as one batch. Types the consumer does not
 * want (a shared wildcard filter) are acknowledged here; an undecodable message is
 * terminated.
 */
export function consumeStream(options: {
  client: JetStreamClient;
  stream: string;
  name: string;
  wanted: ReadonlySet<string> | undefined;
  /** Messages per pull: messages waiting in the client count against ack_wait. */
  maxPull: number;
  deliver: (batch: readonly Delivery[]) => Promise<void>;
  logger: Logger;
}): StreamConsumer {
  const { client, stream, name, wanted, deliver, logger } = options;
  const decoder = new TextDecoder();
  let stopped = false;
  let current: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;
  // Acks and naks are fire-and-forget messages either way; sent one by one, each became its
  // own socket write (nats.js flushes once per microtask turn, and the consumer awaits between
  // acks). Queued here, they go out together: after the batch, or on the next macrotask.
  let replies: (() => void)[] = [];
  let flushScheduled = false;
  const sendReplies = () => {
    flushScheduled = false;
    const sending = replies;
    replies = [];
    for (const send of sending) {
      try {
        send();
      } catch (error) {
        // Connection closed: the message is redelivered after ack_wait, as with a lost ack.
        logger.warn({ err: error, consumer: name }, 'could not send an ack; the event will be redelivered');
      }
    }
  };
  const reply = (send: () => void) => {
    replies.push(send);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(sendReplies);
    }
  };
  const toDeliveries = (messages: readonly JsMsg[]): Delivery[] => {
    const deliveries: Delivery[] = [];
    for (const m of messages) {
      let event: EventEnvelope;
      try {
        event = JSON.parse(decoder.decode(m.data)) as EventEnvelope;
      } catch {
        logger.error({ consumer: name, subject: m.subject }, 'undecodable event on the stream; terminating it');
        m.term('undecodable');
        continue;
      }
      if (wanted && !wanted.has(event.type)) {
        m.ack();
        continue;
      }
      deliveries.push({
        event,
        attempt: m.info.deliveryCount,
        ack: async () => reply(() => m.ack()),
        nak: async (delayMs) => reply(() => m.nak(delayMs)),
      });
    }
    return deliveries;
  };
  // A supervisor: if consuming fails (server gone, a delivery died mid-way), start
  // again after a pause. Unacknowledged messages are redelivered after ack_wait.
  const done = (async () => {
    while (!stopped) {
      let reading: Promise<void> | undefined;
      try {
        const consumer = await client.consumers.get(stream, name);
        const messages = await consumer.consume({ max_messages: options.maxPull });
        current = messages;
        // The reader only queues; the worker delivers everything queued as one batch.
        const queue: JsMsg[] = [];
        let arrived: (() => void) | undefined;
        let ended = false;
        reading = (async () => {
          try {
            for await (const m of messages) {
              queue.push(m);
              arrived?.();
            }
          } finally {
            ended = true;
            arrived?.();
          }
        })();
        for (;;) {
          if (queue.length === 0) {
            if (ended) break;
            await new Promise<void>((resolve) => (arrived = resolve));
            arrived = undefined;
            // One macrotask: the reader queues the rest of what the same read brought.
            await new Promise((resolve) => setImmediate(resolve));
            continue;
          }
          const deliveries = toDeliveries(queue.splice(0, queue.length));
          if (deliveries.length > 0) await deliver(deliveries);
          sendReplies();
        }
        await reading;
      } catch (error) {
        sendReplies();
        current?.stop();
        await reading?.catch(() => undefined);
        if (stopped) break;
        logger.warn({ err: error, consumer: name, stream }, 'consumer stopped mid-delivery; restarting it');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  })();

  return {
    stop: () => {
      sendReplies();
      stopped = true;
      current?.stop();
      wake?.();
    },
    done,
  };
}
