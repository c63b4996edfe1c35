'use strict';

/**
 * Tunes the local stream consumer (serverless-offline-dynamodb-streams) under `sls offline`; listed
 * before that plugin so this hook runs first, and touches nothing that deploys.
 *
 * - Its reader waits `readInterval` (default 500 ms) after every batch but only reads that option
 *   from each stream event, where the framework's schema rejects it: copy the plugin's own
 *   `custom.serverless-offline-dynamodb-streams.readInterval` onto the events here.
 * - `LOCAL_STREAMS=off` drops the stream events: the plugin waits minutes for a table it cannot
 *   reach, so a stack pointed at an unreachable DynamoDB (the store-outage test) would never start.
 */
class OfflineStreamsTuningPlugin {
  constructor(serverless) {
    this.hooks = {
      'offline:start:init': () => {
        const readInterval = serverless.service.custom?.['serverless-offline-dynamodb-streams']?.readInterval;
        for (const fn of Object.values(serverless.service.functions ?? {})) {
          if (!Array.isArray(fn.events)) continue;
          if (process.env.LOCAL_STREAMS === 'off') {
            fn.events = fn.events.filter((event) => !event.stream);
            continue;
          }
          for (const event of fn.events) {
            if (event.stream && typeof event.stream === 'object' && readInterval !== undefined) {
              event.stream.readInterval = readInterval;
            }
          }
        }
      },
    };
  }
}

module.exports = OfflineStreamsTuningPlugin;
