/**
 * `npm run bench` — measures, on this machine, in one run: our crypto against `dingtalk-encrypt`,
 * reply building, the warm AWS handler against DynamoDB Local, the packaged handler's cold load
 * against a bare `node`, bundle sizes, HTTP load on `npm start`, what a retry run and a listing cost
 * against a small and a large history on both stores, and the bytes an event takes in the events table
 * and its indexes. Prints a table; with `--json`
 * the last line is one JSON object. Nothing here passes or fails on wall-clock numbers.
 */
import { cpus, totalmem } from 'node:os';
import { benchColdStart } from './cold-start';
import { benchCrypto } from './crypto';
import { benchHandler } from './handler';
import { benchHistoryScale } from './history-scale';
import { benchHttpLoad } from './http-load';
import { storagePerEvent } from './item-size';
import { round } from './measure';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const progress = (what: string) => process.stderr.write(`bench: ${what}…\n`);

  progress('crypto');
  const crypto = benchCrypto();
  progress('handler against DynamoDB Local');
  const handler = await benchHandler();
  progress('cold start of the packaged handler');
  const coldStart = benchColdStart();
  progress('HTTP load on npm start');
  const http = await benchHttpLoad();
  progress('retry runs and listings over 1,000 and 100,000 stored events, both stores');
  const history = await benchHistoryScale();
  const storage = storagePerEvent();

  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
  };
  const results = {
    ...crypto,
    decryptSpeedup: round(crypto.decryptOpsPerSec / crypto.dingtalkEncryptOpsPerSec, 1),
    ...handler,
    ...coldStart,
    ...http,
    ...history,
    ...storage,
    machine,
  };

  const rows: [string, string][] = [
    ['verify+decrypt+parse, ours', `${round(crypto.decryptOpsPerSec)} ops/s (exact: ${crypto.decryptExact})`],
    [
      'same with dingtalk-encrypt 1.2.3',
      `${round(crypto.dingtalkEncryptOpsPerSec)} ops/s (exact: ${crypto.dingtalkEncryptExact})`,
    ],
    ['speed-up', `${results.decryptSpeedup}×`],
    ['encrypted success reply', `${round(crypto.replyOpsPerSec)} ops/s`],
    [
      'AWS handler, warm, DynamoDB Local',
      `p50 ${handler.handlerP50Ms} ms, p99 ${handler.handlerP99Ms} ms (${handler.handlerInvocations} calls, ${handler.handlerFailures} failed)`,
    ],
    [
      'packaged handler load vs node -e 0',
      `${coldStart.coldStartMs} ms vs ${coldStart.bareNodeMs} ms = ${coldStart.coldStartRatio}×, RSS ${coldStart.coldStartRssMb} MB`,
    ],
    [
      'Alibaba callback bundle load vs node -e 0',
      `${coldStart.aliyunColdStartMs} ms = ${coldStart.aliyunColdStartRatio}×`,
    ],
    ...Object.entries(coldStart.bundleBytes).flatMap(([cloud, zips]) =>
      Object.entries(zips).map(([fn, bytes]): [string, string] => [
        `bundle ${cloud}/${fn}`,
        `${round(bytes / 1024, 1)} KiB`,
      ]),
    ),
    [
      `HTTP load, ${http.httpConnections} connections`,
      `${http.httpReqPerSec} req/s, p50 ${http.httpP50Ms} ms, p99 ${http.httpP99Ms} ms`,
    ],
    [
      'HTTP events sent / acknowledged / stored / lost',
      `${http.httpSent} / ${http.httpSucceeded} / ${http.httpStored} / ${http.httpLost} (non-2xx ${http.httpNon2xx}, errors ${http.httpErrors})`,
    ],
    ...history.historyScale.map((entry): [string, string] => [
      `${entry.store}, ${entry.rows} events: retry run / failed listing`,
      `${entry.retryRunMs} ms, ${entry.rowsRead} rows read / ${entry.listFailedMs} ms, ${entry.listFailedRowsRead} rows read`,
    ]),
    [
      'bytes per event, table and indexes',
      `item ${storage.storagePerEvent.itemBytes} B; before ${storage.storagePerEvent.projectAllBytes} B (3 indexes, ALL), now ${storage.storagePerEvent.currentBytes} B (2, ALL), keys only ${storage.storagePerEvent.keysOnlyBytes} B`,
    ],
    ['machine', `${machine.cpus}× ${machine.cpuModel}, ${machine.memoryGb} GiB, Node ${machine.node}`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
  if (json) console.log(JSON.stringify(results));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
