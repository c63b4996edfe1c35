'use strict';
// Runs a Function Compute handler file in a process of its own, as the FC Node.js runtime does:
// `handler(event: Buffer, context)`. Receives the invocations over IPC and sends the results back.
// Loaded with nothing but the bundle on disk: no project code, no node_modules.
process.once('message', async ({ bundle, invocations }) => {
  const results = [];
  try {
    const { handler } = require(bundle);
    for (const { eventBase64, context } of invocations) {
      results.push({ ok: true, value: await handler(Buffer.from(eventBase64, 'base64'), context) });
    }
  } catch (error) {
    results.push({ ok: false, error: String(error && error.stack ? error.stack : error) });
  }
  process.send(results, () => process.exit(0));
});
