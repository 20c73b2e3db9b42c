import type { Config } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/index.ts';
import type { OutboundClient } from '../../../platform/http/outbound/index.ts';
import type { Logger } from '../../../platform/logger.ts';
import type { HubModule } from '../../../platform/module.ts';
import type { EventOutbox } from '../../events/index.ts';
import type { Ingest } from '../../graph/index.ts';
import type { JobsModule } from '../../jobs/index.ts';
import type { StorageService } from '../../storage/index.ts';
import type { WalletService } from '../../wallet/index.ts';
import { createTwilioConnector } from './twilio.connector.ts';
import { createTwilioMediaJob } from './twilio.media.ts';
import { createPendingStatusJob } from './twilio.pending-status.ts';
import { createTwilioRecordingJob } from './twilio.recording.ts';
import { twilioRoutes } from './twilio.routes.ts';

export { verifyTwilioSignature } from './twilio.connector.ts';
export { advances, messageStatusOf, personFor, smsItem, patchMessage, type MessageStatus } from './twilio.messages.ts';
export { twilioRest, twilioErrorOf, twilioDownError } from './twilio.rest.ts';
export { twilioErrorMessage, twilioErrorAdvice } from './twilio.errors.ts';
export { voiceIdentityOf } from './twilio.voice.ts';
export { ensureApiKey } from './twilio.voice-setup.ts';
export { chooseTwilioNumber } from './twilio.numbers.ts';

export interface TwilioDeps {
  config: Pick<Config, 'publicUrl' | 'providerUrls'>;
  db: Database;
  logger: Logger;
  outbox: Pick<EventOutbox, 'append' | 'appendMany'>;
  outbound: OutboundClient;
  ingest: Ingest;
  jobs: Pick<JobsModule, 'register' | 'enqueue'>;
  storage: Pick<StorageService, 'createBucket' | 'upload'>;
  wallet: Pick<WalletService, 'describe' | 'unseal' | 'addSecretFields'>;
}

/**
 * Twilio messaging (issue 12): the connector (connect a number, SMS/MMS webhooks, status
 * callbacks), the MMS media job, and the number picker's route. See README.md.
 */
export function createTwilio(deps: TwilioDeps) {
  const mediaJob = createTwilioMediaJob({
    db: deps.db,
    logger: deps.logger,
    outbound: deps.outbound,
    urls: deps.config.providerUrls,
    ingest: deps.ingest,
    storage: deps.storage,
    wallet: deps.wallet,
  });
  deps.jobs.register(mediaJob);
  // Voicemail recordings into Storage (issue 12 §5).
  const recordingJob = createTwilioRecordingJob({
    db: deps.db,
    logger: deps.logger,
    outbound: deps.outbound,
    urls: deps.config.providerUrls,
    ingest: deps.ingest,
    outbox: deps.outbox,
    storage: deps.storage,
    wallet: deps.wallet,
  });
  deps.jobs.register(recordingJob);
  // Status callbacks that arrived before their message was stored.
  const pendingStatusJob = createPendingStatusJob({ db: deps.db, logger: deps.logger, ingest: deps.ingest });
  deps.jobs.register(pendingStatusJob);
  const connector = createTwilioConnector({
    outbox: deps.outbox,
    jobs: deps.jobs,
    mediaJob,
    recordingJob,
    pendingStatusJob,
    wallet: deps.wallet,
  });
  const module: HubModule = {
    name: 'twilio',
    routes: twilioRoutes({
      publicUrl: deps.config.publicUrl,
      urls: deps.config.providerUrls,
      outbound: deps.outbound,
      wallet: deps.wallet,
    }),
  };
  return { connector, module };
}
