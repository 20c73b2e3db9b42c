import type { EventEnvelope } from '@made-open/shared';
import type { EventStreamName } from '@made-open/shared/event-registry';

/** One delivery of one event to one durable consumer. */
export interface Delivery {
  event: EventEnvelope;
  /** 1 for the first delivery, 2 for the first retry, ... */
  attempt: number;
  /** Done: never deliver this event to this consumer again. */
  ack(): Promise<void>;
  /** Failed: deliver again after `delayMs`, without blocking the events behind it. */
  nak(delayMs: number): Promise<void>;
}

/** What a durable consumer reads: its streams and, optionally, only some types. */
export interface ConsumerSpec {
  name: string;
  streams: readonly EventStreamName[];
  /** Only these types; undefined for every event on the streams. */
  types?: readonly string[];
}

export interface ConsumerHandle {
  stop(): Promise<void>;
}

/**
 * The transport contract, implemented by JetStream and by the embedded outbox transport.
 * The relay calls `publish` inside its transaction (after stamping pub_seq, before commit)
 * and `published` after the commit; consumers see events in publication order.
 */
export interface EventTransport {
  readonly kind: 'nats' | 'embedded';
  start(): Promise<void>;
  /** Durably stores the events (in order), or throws: the relay then rolls back and retries. */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /** The relay's transaction committed: wake consumers that read the outbox. */
  published(): void;
  consume(spec: ConsumerSpec, deliver: (delivery: Delivery) => Promise<void>): Promise<ConsumerHandle>;
  /** Events not yet acknowledged by the consumer (pending + in flight). */
  lag(spec: ConsumerSpec): Promise<number>;
  health(): Promise<{ status: 'ok' | 'degraded' | 'down'; details: Record<string, unknown> }>;
  stop(): Promise<void>;
}
