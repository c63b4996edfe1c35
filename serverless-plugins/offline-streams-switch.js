'use strict';

/**
 * `LOCAL_STREAMS=off` runs `sls offline` without the local stream consumer: its plugin waits minutes
 * for a table it cannot reach, so a stack pointed at an unreachable DynamoDB (the store-outage test)
 * would never start. Listed before that plugin, so this hook runs first. Without the variable,
 * nothing changes.
 */
class OfflineStreamsSwitchPlugin {
  constructor(serverless) {
    this.hooks = {
      'offline:start:init': () => {
        if (process.env.LOCAL_STREAMS !== 'off') return;
        for (const fn of Object.values(serverless.service.functions ?? {})) {
          if (Array.isArray(fn.events)) fn.events = fn.events.filter((event) => !event.stream);
        }
      },
    };
  }
}

module.exports = OfflineStreamsSwitchPlugin;
