/**
 * The container image's entry point (Dockerfile): `dingtalk-callback stream`, bundled by esbuild so the
 * image carries one file and no node_modules. Arguments after the image name go to the command
 * (`--once SECONDS`).
 */
import { main } from '../cli/main';

main(['stream', ...process.argv.slice(2)], process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error && error.name === 'ConfigError' ? error.message : String(error));
    process.exitCode = 1;
  },
);
