import { parseArgs } from 'node:util';
import type { InstanceStatus } from '../lib/core/approval-projection';
import type { DeliveryStatus } from '../lib/core/forwarding';
import { approvals } from './approvals';
import { deliveries, replay } from './deliveries';
import { events } from './events';
import { putSecrets } from './put-secrets';
import { purge } from './purge';
import { recover } from './recover';
import { isoInstant, parseEventSelection } from './event-selection';
import { parked, reprocess } from './reprocess';
import { deleteCallback, registerCallback, showCallback } from './registration';
import { send } from './send';
import { stream } from './stream';
import { corps, suiteTicket } from './suites';
import { checkStreamHealth } from './stream-health';

const USAGE = `Usage: dingtalk-callback <command> [options]

Commands:
  send <file.json | ->   Encrypt an event like DingTalk does and POST it
      --url URL            callback URL (default http://localhost:$PORT/dingtalk, PORT=3000)
      --owner-key KEY      owner key to encrypt with (default: the first of DINGTALK_OWNER_KEY)
      --app ID             as this app of DINGTALK_APPS: its credentials, to /dingtalk/ID
  events                 List stored events, newest first
      --type TYPE          only this event type
      --app ID             only this app's events (DINGTALK_APPS; default: the single app)
      --since ISO          only events received at or after this instant
      --limit N            at most N events (default 20)
      --json               one JSON object per line
  approvals              The approval projection, newest first
      --id ID              one process instance
      --status S           RUNNING, COMPLETED or TERMINATED
      --limit N            at most N instances (default 20)
      --json               JSON (one object per line; exactly one with --id)
  deliveries             Forwarding state per event (FORWARD_URL), newest received first
      --status S           pending, delivered or failed
      --since ISO          only events received at or after this instant
      --limit N            at most N (default 20)
      --json               one JSON object per line
  replay                 Forward stored events again now, same webhook-id, whatever their state
      --id ID              one event
      --since ISO          every event received at or after this instant
      --type TYPE          with --since: only this event type
      --app ID             with --since: only this app's events
      --json               one JSON object per line: eventId, status
  reprocess              Run stored events through the table-change processing again, from the
                         events table (projection, missing delivery records); idempotent
      --id ID              one event
      --since ISO          every event received at or after this instant
      --type TYPE          with --since: only this event type
      --app ID             with --since: only this app's events
      --parked             Alibaba Cloud: every parked record (PARKED_TABLE), removed once processed
      --json               one JSON object per line: eventId, status
  parked                 Alibaba Cloud: table-change records set aside, with their reasons
      --limit N            at most N (default 20)
      --json               one JSON object per line
  purge                  Delete what is stored about a person or a corporation (PIPL Art. 47): events
                         naming them, their delivery and parked records, their approval entries;
                         prints what it would delete unless --yes (reads the whole events table)
      --user ID            a DingTalk user id (originator, approver, address-book or attendance user)
      --corp ID            every event of a corporation
      --yes                delete
      --json               one JSON object per line (events, approvals, a summary)
  suite-ticket --app ID  An ISV suite's latest suite_ticket and when DingTalk issued it (a credential)
      --json               one JSON object
  corps --app ID         The corps that authorised an ISV suite: status (authorised, stopped, relieved,
                         removed) and since when
      --limit N            at most N (default 1000)
      --json               one JSON object per line
  stream                 Receive events by DingTalk Stream Mode (no public URL) into the same store;
                         runs until Ctrl-C/SIGTERM (DINGTALK_APP_KEY, DINGTALK_APP_SECRET)
      --once SECONDS       stop after SECONDS (smoke tests)
  stream-health          The connector's health for a container check (exit 0 healthy, 1 not):
                         connected, and a frame or the connection younger than the allowed age
      --file F             its health file (default DINGTALK_STREAM_HEALTH_FILE)
      --max-age SECONDS    allowed age (default 240: longer than the 3 min after which a quiet connection is replaced)
  register --url URL     Register the callback URL with DingTalk (legacy API; it checks the URL first)
      --tags a,b,...       event types (default: approval and address-book events)
  update --url URL       Change the registered URL, tags, token or AES key (checked like register)
  show                   The current registration (token and AES key compared, not printed)
      --json               one JSON object
  delete                 Remove the registration
  recover                Store every push DingTalk gave up on (its failed list), page by page
      --fallback-dir DIR   where a page goes if the store's journal cannot take it (default .dingtalk-recovery)
      --time-budget S      seconds the run may take before it stops reading (default 120)
      --json               the report as one JSON object
  put-secrets --stage S  Store the set DINGTALK_TOKEN, DINGTALK_AES_KEY, DINGTALK_APP_SECRET and
                         FORWARD_SECRET as SSM SecureStrings /dingtalk-callback/S/… (AWS deployments)
      --region R           AWS region (default: AWS_REGION)
      --app ID             one app of DINGTALK_APPS: its DINGTALK_TOKEN, DINGTALK_AES_KEY and
                           DINGTALK_APP_SECRET as /dingtalk-callback/S/apps/ID/…

Configuration comes from the environment (DINGTALK_TOKEN, DINGTALK_AES_KEY, DINGTALK_OWNER_KEY,
EVENTS_TABLE, APPROVALS_TABLE, DELIVERIES_TABLE, DYNAMODB_ENDPOINT; replay also FORWARD_URL and
FORWARD_SECRET; register/update/show/delete/recover also
DINGTALK_APP_KEY, DINGTALK_APP_SECRET and optionally DINGTALK_API_BASE); with none set, the CLI
talks to what \`npm start\` runs. With TABLESTORE_ENDPOINT, TABLESTORE_INSTANCE,
TABLESTORE_ACCESS_KEY_ID/SECRET, EVENTS_TABLE and APPROVALS_TABLE it uses an Alibaba deployment's tables.`;

/**
 * `stream [--once SECONDS]`. The container image runs it with `localStore: false`: without a configured
 * table it refuses to start rather than use `npm start`'s.
 */
export async function streamCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { localStore?: boolean } = {},
): Promise<number> {
  const { values } = parseArgs({ args, options: { once: { type: 'string' } } });
  const once = values.once === undefined ? undefined : Number(values.once);
  if (once !== undefined && !(Number.isFinite(once) && once > 0))
    return usage('--once needs a number of seconds');
  return stream({ ...options, ...(once === undefined ? {} : { onceSeconds: once }) }, env);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'send': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { url: { type: 'string' }, 'owner-key': { type: 'string' }, app: { type: 'string' } },
      });
      if (positionals.length !== 1) return usage('send needs exactly one file (or - for stdin)');
      return send(
        {
          file: positionals[0]!,
          ...(values.url ? { url: values.url } : {}),
          ...(values.app ? { app: values.app } : {}),
          ...(values['owner-key'] ? { ownerKey: values['owner-key'] } : {}),
        },
        env,
      );
    }
    case 'events': {
      const { values } = parseArgs({
        args: rest,
        options: {
          type: { type: 'string' },
          since: { type: 'string' },
          app: { type: 'string' },
          limit: { type: 'string', default: '20' },
          json: { type: 'boolean', default: false },
        },
      });
      const limit = parseLimit(values.limit);
      if (limit === undefined) return usage('--limit must be a positive integer');
      let since: string | undefined;
      if (values.since !== undefined) {
        const parsed = new Date(values.since);
        if (Number.isNaN(parsed.getTime())) return usage('--since must be an ISO-8601 date or instant');
        since = parsed.toISOString();
      }
      return events(
        {
          limit,
          json: values.json,
          ...(values.type ? { type: values.type } : {}),
          ...(values.app ? { app: values.app } : {}),
          ...(since ? { since } : {}),
        },
        env,
      );
    }
    case 'approvals': {
      const { values } = parseArgs({
        args: rest,
        options: {
          id: { type: 'string' },
          status: { type: 'string' },
          limit: { type: 'string', default: '20' },
          json: { type: 'boolean', default: false },
        },
      });
      const limit = parseLimit(values.limit);
      if (limit === undefined) return usage('--limit must be a positive integer');
      const status = values.status?.toUpperCase();
      if (status !== undefined && !['RUNNING', 'COMPLETED', 'TERMINATED'].includes(status)) {
        return usage('--status must be RUNNING, COMPLETED or TERMINATED');
      }
      return approvals(
        {
          limit,
          json: values.json,
          ...(values.id ? { id: values.id } : {}),
          ...(status ? { status: status as InstanceStatus } : {}),
        },
        env,
      );
    }
    case 'deliveries': {
      const { values } = parseArgs({
        args: rest,
        options: {
          status: { type: 'string' },
          since: { type: 'string' },
          limit: { type: 'string', default: '20' },
          json: { type: 'boolean', default: false },
        },
      });
      const limit = parseLimit(values.limit);
      if (limit === undefined) return usage('--limit must be a positive integer');
      const status = values.status?.toLowerCase();
      if (status !== undefined && !['pending', 'delivered', 'failed'].includes(status)) {
        return usage('--status must be pending, delivered or failed');
      }
      const since = values.since === undefined ? undefined : isoInstant(values.since);
      if (since === null) return usage('--since must be an ISO-8601 date or instant');
      return deliveries(
        {
          limit,
          json: values.json,
          ...(status ? { status: status as DeliveryStatus } : {}),
          ...(since ? { since } : {}),
        },
        env,
      );
    }
    case 'replay': {
      const parsed = parseEventSelection('replay', rest);
      return 'problem' in parsed ? usage(parsed.problem) : replay(parsed.selection, env);
    }
    case 'reprocess': {
      const parsed = parseEventSelection('reprocess', rest, { parked: true });
      return 'problem' in parsed ? usage(parsed.problem) : reprocess(parsed.selection, env);
    }
    case 'parked': {
      const { values } = parseArgs({
        args: rest,
        options: { limit: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } },
      });
      const limit = parseLimit(values.limit);
      if (limit === undefined) return usage('--limit must be a positive integer');
      return parked({ limit, json: values.json }, env);
    }
    case 'purge': {
      const { values } = parseArgs({
        args: rest,
        options: {
          user: { type: 'string' },
          corp: { type: 'string' },
          yes: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
        },
      });
      const user = values.user?.trim();
      const corp = values.corp?.trim();
      if (Boolean(user) === Boolean(corp)) return usage('purge needs exactly one of --user ID or --corp ID');
      const subject = user ? { userId: user } : { corpId: corp! };
      return purge({ subject, yes: values.yes, json: values.json }, env);
    }
    case 'suite-ticket':
    case 'corps': {
      const { values } = parseArgs({
        args: rest,
        options: {
          app: { type: 'string' },
          limit: { type: 'string', default: '1000' },
          json: { type: 'boolean', default: false },
        },
      });
      if (!values.app) return usage(`${command} needs --app ID (an ISV suite of DINGTALK_APPS)`);
      if (command === 'suite-ticket') return suiteTicket({ app: values.app, json: values.json }, env);
      const limit = parseLimit(values.limit);
      if (limit === undefined) return usage('--limit must be a positive integer');
      return corps({ app: values.app, json: values.json, limit }, env);
    }
    case 'stream':
      return streamCommand(rest, env);
    case 'stream-health': {
      const { values } = parseArgs({
        args: rest,
        options: { file: { type: 'string' }, 'max-age': { type: 'string', default: '240' } },
      });
      const file = values.file ?? env.DINGTALK_STREAM_HEALTH_FILE;
      if (!file) return usage('stream-health needs --file F or DINGTALK_STREAM_HEALTH_FILE');
      const maxAge = Number(values['max-age']);
      if (!(Number.isFinite(maxAge) && maxAge > 0)) return usage('--max-age must be a number of seconds');
      return checkStreamHealth(file, maxAge * 1000);
    }
    case 'register':
    case 'update': {
      const { values } = parseArgs({
        args: rest,
        options: { url: { type: 'string' }, tags: { type: 'string' } },
      });
      if (!values.url) return usage(`${command} needs --url`);
      if (!/^https?:\/\//.test(values.url)) return usage('--url must be an http(s) URL');
      const tags = values.tags
        ?.split(',')
        .map((tag) => tag.trim())
        .filter(Boolean);
      if (tags !== undefined && tags.length === 0) return usage('--tags must name at least one event type');
      return registerCallback(command, { url: values.url, ...(tags ? { tags } : {}) }, env);
    }
    case 'show': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } } });
      return showCallback({ json: values.json }, env);
    }
    case 'delete':
      parseArgs({ args: rest, options: {} });
      return deleteCallback(env);
    case 'recover': {
      const { values } = parseArgs({
        args: rest,
        options: {
          'fallback-dir': { type: 'string', default: '.dingtalk-recovery' },
          'time-budget': { type: 'string', default: '120' },
          json: { type: 'boolean', default: false },
        },
      });
      const seconds = Number(values['time-budget']);
      if (!Number.isFinite(seconds) || seconds <= 0) {
        console.error('--time-budget must be a positive number of seconds');
        return 2;
      }
      return recover(
        { fallbackDir: values['fallback-dir'], timeBudgetMs: seconds * 1000, json: values.json },
        env,
      );
    }
    case 'put-secrets': {
      const { values } = parseArgs({
        args: rest,
        options: { stage: { type: 'string' }, region: { type: 'string' }, app: { type: 'string' } },
      });
      if (!values.stage || !/^[A-Za-z0-9-]+$/.test(values.stage)) return usage('put-secrets needs --stage');
      return putSecrets(
        {
          stage: values.stage,
          ...(values.region ? { region: values.region } : {}),
          ...(values.app ? { app: values.app } : {}),
        },
        env,
      );
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      return usage(`unknown command "${command}"`);
  }
}

/** An ISO-8601 date or instant as the canonical instant; null when it is not one. */
function parseLimit(value: string): number | undefined {
  const limit = Number(value);
  return Number.isInteger(limit) && limit >= 1 ? limit : undefined;
}

function usage(problem: string): number {
  console.error(`${problem}\n\n${USAGE}`);
  return 2;
}
