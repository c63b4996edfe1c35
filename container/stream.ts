/**
 * The container image's entry point (Dockerfile): `dingtalk-callback stream`, bundled by esbuild so the
 * image carries one file and no node_modules. Arguments after the image name go to the command
 * (`--once SECONDS`). Unlike the CLI it has no local default store: without EVENTS_TABLE it stops with
 * a configuration error instead of writing to `npm start`'s table on 127.0.0.1:8000.
 */
import { main, streamCommand } from '../cli/main';

// `--health` is the image's HEALTHCHECK (Dockerfile): the connector's health file, not a new connection.
const [first, ...rest] = process.argv.slice(2);
const run =
  first === '--health'
    ? main(['stream-health', ...rest], process.env)
    : streamCommand(process.argv.slice(2), process.env, { localStore: false });
run.then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : String(error));
    process.exitCode = 1;
  },
);
