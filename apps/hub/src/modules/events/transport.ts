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
  /** One hub instance's own consumer: from now on, forgotten after the instance is gone. */
  perInstance?: boolean;
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
  /**
   * Durably stores the events (in order), or throws: the relay then rolls back and retries.
   * Every message is handed to the connection before this returns its promise, so calls
   * that overlap (the relay sends batch n+1 while n is acknowledged) keep their order.
   */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /** The relay's transaction committed: wake consumers that read the outbox. */
  published(): void;
  /**
   * Starts a durable consumer. `deliver` gets the deliveries available at that moment, in
   * publication order (never waiting to fill a batch), one call at a time; throwing from it
   * kills the consumer at that point: what it had not acknowledged is delivered again.
   */
  consume(spec: ConsumerSpec, deliver: (batch: readonly Delivery[]) => Promise<void>): Promise<ConsumerHandle>;
  /** Events not yet acknowledged by the consumer (pending + in flight). */
  lag(spec: ConsumerSpec): Promise<number>;
  health(): Promise<{ status: 'ok' | 'degraded' | 'down'; details: Record<string, unknown> }>;
  stop(): Promise<void>;
}
