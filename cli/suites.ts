import type { CorpAuthorisation } from '../lib/core/suite-state';
import { cliSuiteState } from './cli-config';
import { printTable } from './text-table';

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z';

/**
 * `suite-ticket --app ID`: the suite's latest ticket and when DingTalk issued it. The ticket is a
 * credential (with the suite key and secret it gets the suite's access token): printed here because an
 * operator asked for it, never logged by the functions.
 */
export async function suiteTicket(options: { app: string; json: boolean }, env: NodeJS.ProcessEnv) {
  const { store, close } = cliSuiteState(env);
  try {
    const ticket = await store.ticket(options.app);
    if (!ticket) {
      console.error(
        `no suite ticket stored for app ${options.app} (DingTalk pushes one about every 5 hours)`,
      );
      return 1;
    }
    const ageSeconds = Math.max(0, Math.round((Date.now() - ticket.atMs) / 1000));
    if (options.json) {
      console.log(
        JSON.stringify({
          appId: ticket.appId,
          suiteTicket: ticket.ticket,
          issuedAt: iso(ticket.atMs),
          ageSeconds,
        }),
      );
    } else {
      printTable(
        [
          ['APP', 'ISSUED', 'AGE', 'SUITE TICKET'],
          [ticket.appId, iso(ticket.atMs), `${Math.floor(ageSeconds / 60)} min`, ticket.ticket],
        ],
        '',
      );
    }
    return 0;
  } finally {
    close();
  }
}

/** `corps --app ID`: every corp that authorised the suite, with its status and since when. */
export async function corps(options: { app: string; json: boolean; limit: number }, env: NodeJS.ProcessEnv) {
  const { store, close } = cliSuiteState(env);
  try {
    const found = await store.corps(options.app, options.limit);
    if (options.json) for (const corp of found) console.log(JSON.stringify(corpJson(corp)));
    else {
      printTable(
        [
          ['CORP ID', 'NAME', 'STATUS', 'SINCE'],
          ...found.map((corp) => [corp.corpId, corp.name ?? '', corp.status, iso(corp.sinceMs)]),
        ],
        `no corps have authorised app ${options.app}`,
      );
    }
    return 0;
  } finally {
    close();
  }
}

function corpJson(corp: CorpAuthorisation) {
  return {
    appId: corp.appId,
    corpId: corp.corpId,
    ...(corp.name === undefined ? {} : { name: corp.name }),
    status: corp.status,
    since: iso(corp.sinceMs),
    eventId: corp.eventId,
  };
}
