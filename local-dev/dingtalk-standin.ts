/**
 * `npm run dingtalk-standin`: the loopback stand-in for DingTalk's open API that the tests use, as a
 * process of its own, so registration and recovery can be tried by hand against `npm start`.
 * It performs the real check_url handshake against the URL being registered.
 */
import { DingTalkOpenApiStandIn } from './dingtalk-open-api-standin';

const APP = { appKey: 'dingstandinappkey', appSecret: 'stand-in-app-secret', corpId: 'dingdevcorp' };

async function main(): Promise<void> {
  const port = Number(process.env.STANDIN_PORT || 3100);
  const standIn = await new DingTalkOpenApiStandIn(APP).start(port);
  console.log(
    `DingTalk open-API stand-in on ${standIn.baseUrl} (corpId ${APP.corpId}); in another terminal:`,
  );
  console.log(
    `  export DINGTALK_API_BASE=${standIn.baseUrl} DINGTALK_APP_KEY=${APP.appKey} DINGTALK_APP_SECRET=${APP.appSecret}`,
  );
  console.log('  npx dingtalk-callback register --url http://localhost:3000/dingtalk');
  const stop = () => void standIn.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(String(error));
  process.exitCode = 1;
});
