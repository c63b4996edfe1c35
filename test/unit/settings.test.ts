import { expect } from 'chai';
import {
  loadAwsCallbackSettings,
  loadAwsRecoverySettings,
  loadAwsTableChangeSettings,
} from '../../lib/aws/aws-settings';
import { DEFAULT_RETENTION } from '../../lib/core/retention';
import { parseRetrySchedule } from '../../lib/core/forwarding';
import { loadAliyunTableChangeSettings, loadTablestoreSettings } from '../../lib/aliyun/aliyun-settings';
import {
  ConfigError,
  DEFAULT_MAX_BODY_BYTES,
  loadDingTalkApiSettings,
  loadStreamModeSettings,
} from '../../lib/startup/settings';

const valid = {
  DINGTALK_TOKEN: 'token123',
  DINGTALK_AES_KEY: '4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij',
  DINGTALK_OWNER_KEY: 'dingappkey, dingcorp ,',
  EVENTS_TABLE: 'dingtalk-callback-events-dev',
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadAwsCallbackSettings(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

describe('loadAwsCallbackSettings', () => {
  it('GIVEN a complete environment WHEN loaded THEN owner keys are split and trimmed, defaults applied', () => {
    expect(loadAwsCallbackSettings(valid)).to.deep.equal({
      // The single-app variables are the app `default` (DINGTALK_APPS unset).
      apps: [
        {
          id: 'default',
          kind: 'internal',
          token: 'token123',
          aesKey: valid.DINGTALK_AES_KEY,
          ownerKeys: ['dingappkey', 'dingcorp'],
          stream: false,
        },
      ],
      eventsTable: 'dingtalk-callback-events-dev',
      dynamoDb: { region: 'us-east-1', hasCredentials: false },
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      retention: DEFAULT_RETENTION,
    });
  });

  it('GIVEN RETENTION_* WHEN loaded THEN 0 keeps forever, 7 days and more are taken, less or not a number is refused naming the variable', () => {
    expect(
      loadAwsCallbackSettings({ ...valid, RETENTION_EVENTS_DAYS: '0', RETENTION_APPROVALS_DAYS: '7' })
        .retention,
    ).to.deep.equal({ eventsDays: 0, approvalsDays: 7, journalDays: 30 });
    expect(problems({ ...valid, RETENTION_EVENTS_DAYS: '3', RETENTION_JOURNAL_DAYS: '30d' })).to.deep.equal([
      'RETENTION_EVENTS_DAYS must be 0 (keep forever) or a whole number of days, at least 7',
      'RETENTION_JOURNAL_DAYS must be 0 (keep forever) or a whole number of days, at least 7',
    ]);
  });

  it('GIVEN RECOVERY_BASELINE WHEN loaded by the recovery THEN one duration; a schedule or nonsense is refused', () => {
    const recovery = {
      ...valid,
      DINGTALK_APP_KEY: 'k',
      DINGTALK_APP_SECRET: 's',
      RECOVERY_JOURNAL_TABLE: 'journal',
    };
    expect(loadAwsRecoverySettings({ ...recovery, RECOVERY_BASELINE: '12h' }).asking.baselineMs).to.equal(
      12 * 3_600_000,
    );
    expect(loadAwsRecoverySettings(recovery).asking.baselineMs).to.equal(24 * 3_600_000);
    expect(() => loadAwsRecoverySettings({ ...recovery, RECOVERY_BASELINE: '1h,2h' })).to.throw(
      'RECOVERY_BASELINE must be one duration',
    );
  });

  it('GIVEN an endpoint and a body limit WHEN loaded THEN both are used', () => {
    const config = loadAwsCallbackSettings({
      ...valid,
      DYNAMODB_ENDPOINT: 'http://localhost:8000',
      MAX_BODY_BYTES: '2048',
    });
    expect(config.dynamoDb.endpoint).to.equal('http://localhost:8000');
    expect(config.maxBodyBytes).to.equal(2048);
  });

  it('GIVEN nothing WHEN loaded THEN every missing variable is named at once', () => {
    expect(problems({})).to.deep.equal([
      'DINGTALK_TOKEN is not set',
      'DINGTALK_AES_KEY is not set',
      'DINGTALK_OWNER_KEY is not set',
      'EVENTS_TABLE is not set',
    ]);
  });

  it('GIVEN a 42-character AES key WHEN loaded THEN the error names the variable and the length, not the key', () => {
    const [problem] = problems({ ...valid, DINGTALK_AES_KEY: valid.DINGTALK_AES_KEY.slice(1) });
    expect(problem).to.equal(
      'DINGTALK_AES_KEY must be exactly 43 characters of [A-Za-z0-9] (got 42 characters)',
    );
    expect(problem).not.to.contain(valid.DINGTALK_AES_KEY.slice(1));
  });

  it('GIVEN malformed values WHEN loaded THEN each is reported', () => {
    expect(
      problems({
        ...valid,
        DINGTALK_TOKEN: 'a b',
        DINGTALK_OWNER_KEY: ' , ',
        DYNAMODB_ENDPOINT: 'not a url',
        MAX_BODY_BYTES: '-1',
      }),
    ).to.have.length(4);
    expect(problems({ ...valid, EVENTS_TABLE: 'ab' })).to.deep.equal([
      'EVENTS_TABLE must be a table name (3-255 of [A-Za-z0-9_.-])',
    ]);
  });

  it('GIVEN a value that could be a misplaced secret in every checked variable WHEN rejected THEN no message holds the value', () => {
    const leaked = 'whsec_Sup3rS3cr3t-value';
    const env: Record<string, string> = {
      ...valid,
      DINGTALK_TOKEN: `${leaked} with spaces`,
      DINGTALK_AES_KEY: leaked,
      DYNAMODB_ENDPOINT: leaked,
      MAX_BODY_BYTES: leaked,
      EVENTS_TABLE: `${leaked}!`,
    };
    const found = problems(env);
    expect(found).to.have.length(5);
    for (const problem of found) expect(problem).not.to.contain('Sup3rS3cr3t');
    const error = (() => {
      try {
        loadAwsTableChangeSettings({
          APPROVALS_TABLE: 'approvals',
          FORWARD_URL: leaked,
          FORWARD_SECRET: leaked,
        });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error?.message).to.contain('FORWARD_URL');
    expect(error?.message).not.to.contain('Sup3rS3cr3t');
  });
});

const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const base = {
  EVENTS_TABLE: 'events',
  APPROVALS_TABLE: 'approvals',
  DELIVERIES_TABLE: 'deliveries',
  FORWARD_SECRET: secret,
};

function forwardProblems(env: Record<string, string>): string[] {
  try {
    loadAwsTableChangeSettings(env);
    return [];
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe('forwarding settings (FORWARD_*)', () => {
  it('GIVEN the default schedule WHEN parsed THEN 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: retries over more than a day', () => {
    const schedule = parseRetrySchedule('5s,5m,30m,2h,5h,10h,10h')!;
    expect(schedule).to.deep.equal([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(schedule.reduce((a, b) => a + b, 0)).to.be.greaterThan(24 * 3_600_000);
    expect(
      loadAwsTableChangeSettings({ ...base, FORWARD_URL: 'https://hooks.example.com/x' }).forwarding?.forward
        .schedule,
    ).to.deep.equal(schedule);
  });

  for (const bad of ['', '5', '5x', '5s,,5m', '-5s', '0s']) {
    it(`GIVEN FORWARD_RETRY_SCHEDULE="${bad}" WHEN loaded THEN it is refused, naming the variable`, () => {
      expect(parseRetrySchedule(bad)).to.equal(undefined);
      if (bad !== '') {
        expect(
          forwardProblems({
            ...base,
            FORWARD_URL: 'https://h.example.com',
            FORWARD_RETRY_SCHEDULE: bad,
          }).join(),
        ).to.contain('FORWARD_RETRY_SCHEDULE');
      }
    });
  }

  it('GIVEN a plain http:// receiver that is not loopback WHEN loaded THEN refused, unless FORWARD_ALLOW_HTTP=true', () => {
    expect(forwardProblems({ ...base, FORWARD_URL: 'http://intranet.example.com/hooks' }).join()).to.contain(
      'FORWARD_URL must be https://',
    );
    expect(
      forwardProblems({
        ...base,
        FORWARD_URL: 'http://intranet.example.com/hooks',
        FORWARD_ALLOW_HTTP: 'true',
      }),
    ).to.deep.equal([]);
    for (const loopback of [
      'http://127.0.0.1:9000/h',
      'http://localhost/h',
      'http://[::1]:8080/h',
      'https://example.com/h',
    ]) {
      expect(forwardProblems({ ...base, FORWARD_URL: loopback }), loopback).to.deep.equal([]);
    }
    expect(forwardProblems({ ...base, FORWARD_URL: 'ftp://example.com/h' }).join()).to.contain('http(s)');
  });
});

describe('forwarding timeout bound (issue 20)', () => {
  it('GIVEN FORWARD_TIMEOUT_MS=55000 WHEN loaded THEN refused with the reason; 10000 is accepted', () => {
    const env = { ...base, FORWARD_URL: 'https://hooks.example.com/x' };
    expect(forwardProblems({ ...env, FORWARD_TIMEOUT_MS: '55000' })).to.deep.equal([
      'FORWARD_TIMEOUT_MS must be at most 10000: a 60 s retry run must fit several attempts',
    ]);
    expect(forwardProblems({ ...env, FORWARD_TIMEOUT_MS: '10000' })).to.deep.equal([]);
  });
});

describe('Stream Mode settings (loadStreamModeSettings)', () => {
  const credentials = { DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'secret-value' };

  it('GIVEN numeric timers WHEN loaded THEN they are used as milliseconds', () => {
    expect(
      loadStreamModeSettings({
        ...credentials,
        DINGTALK_STREAM_BACKOFF_MS: '250',
        DINGTALK_STREAM_HEARTBEAT_MS: '5000',
      }),
    ).to.deep.equal({ appKey: 'dingkey', appSecret: 'secret-value', backoffMs: 250, heartbeatMs: 5000 });
  });

  it('GIVEN DINGTALK_STREAM_BACKOFF_MS=soon and a heartbeat of 0 WHEN loaded THEN both are refused by name (no 1 ms timer)', () => {
    const error = (() => {
      try {
        loadStreamModeSettings({
          ...credentials,
          DINGTALK_STREAM_BACKOFF_MS: 'soon',
          DINGTALK_STREAM_HEARTBEAT_MS: '0',
        });
      } catch (caught) {
        return caught as ConfigError;
      }
      return undefined;
    })();
    expect(error?.problems).to.deep.equal([
      'DINGTALK_STREAM_BACKOFF_MS must be a positive integer',
      'DINGTALK_STREAM_HEARTBEAT_MS must be a positive integer',
    ]);
  });
});

describe('DingTalk open-API base (issue 20)', () => {
  const credentials = { DINGTALK_APP_KEY: 'dingkey', DINGTALK_APP_SECRET: 'secret-value' };
  const problemsOf = (load: () => unknown): string[] => {
    try {
      load();
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('GIVEN a plain http:// base on another host WHEN loaded THEN refused for both variables; https and loopback http accepted', () => {
    expect(
      problemsOf(() =>
        loadStreamModeSettings({ ...credentials, DINGTALK_OPENAPI_BASE: 'http://proxy.example.com' }),
      ),
    ).to.deep.equal([
      'DINGTALK_OPENAPI_BASE must be https:// (plain http:// only to loopback): the app secret is sent there',
    ]);
    expect(
      problemsOf(() =>
        loadDingTalkApiSettings({ ...credentials, DINGTALK_API_BASE: 'http://10.0.0.8:8080' }),
      ),
    ).to.deep.equal([
      'DINGTALK_API_BASE must be https:// (plain http:// only to loopback): the app secret is sent there',
    ]);
    for (const ok of ['https://api.dingtalk.com', 'http://127.0.0.1:9000', 'http://localhost:1234']) {
      expect(
        problemsOf(() => loadStreamModeSettings({ ...credentials, DINGTALK_OPENAPI_BASE: ok })),
        ok,
      ).to.deep.equal([]);
    }
  });
});

describe('Alibaba Cloud settings (lib/aliyun/aliyun-settings.ts)', () => {
  const tablestore = {
    TABLESTORE_ENDPOINT: 'https://inst.cn-hangzhou.ots.aliyuncs.com',
    TABLESTORE_INSTANCE: 'inst',
  };

  it('GIVEN the table-change function environment WHEN loaded THEN tables, Tablestore and forwarding come back together', () => {
    expect(
      loadAliyunTableChangeSettings({
        ...tablestore,
        EVENTS_TABLE: 'events',
        APPROVALS_TABLE: 'approvals',
        PARKED_TABLE: 'parked',
        DELIVERIES_TABLE: 'deliveries',
        FORWARD_URL: 'https://hooks.example.com/x',
        FORWARD_SECRET: secret,
      }),
    ).to.deep.include({
      tablestore: { endpoint: tablestore.TABLESTORE_ENDPOINT, instance: 'inst' },
      parkedTable: 'parked',
    });
  });

  it('GIVEN nothing WHEN the table-change settings are loaded THEN every missing variable is named at once', () => {
    const error = (() => {
      try {
        loadAliyunTableChangeSettings({});
      } catch (caught) {
        return caught as ConfigError;
      }
      return undefined;
    })();
    expect(error?.problems).to.deep.equal([
      'TABLESTORE_ENDPOINT is not set',
      'TABLESTORE_INSTANCE is not set',
      'EVENTS_TABLE is not set',
      'APPROVALS_TABLE is not set',
      'PARKED_TABLE is not set',
    ]);
  });

  it('GIVEN only one of the access key pair WHEN loaded THEN refused, naming both variables', () => {
    expect(() => loadTablestoreSettings({ ...tablestore, TABLESTORE_ACCESS_KEY_ID: 'LTAI' })).to.throw(
      ConfigError,
      'TABLESTORE_ACCESS_KEY_ID and TABLESTORE_ACCESS_KEY_SECRET must be set together',
    );
  });
});

describe('Stream Mode proxy settings', () => {
  const stream = { DINGTALK_APP_KEY: 'k', DINGTALK_APP_SECRET: 's' };
  it('GIVEN HTTPS_PROXY, a lower-case https_proxy and NO_PROXY WHEN loaded THEN the lower-case one wins and NO_PROXY is kept', () => {
    expect(
      loadStreamModeSettings({
        ...stream,
        HTTPS_PROXY: 'http://upper:3128',
        https_proxy: 'http://lower:3128',
        NO_PROXY: '.corp',
      }).proxy,
    ).to.deep.equal({ httpsProxy: 'http://lower:3128', noProxy: '.corp' });
    expect(loadStreamModeSettings(stream).proxy).to.equal(undefined);
  });

  it('GIVEN a proxy that is not an http(s) URL WHEN loaded THEN refused naming the variable, not the value', () => {
    expect(() => loadStreamModeSettings({ ...stream, HTTPS_PROXY: 'socks5://secret@proxy:1080' }))
      .to.throw('HTTPS_PROXY must be a proxy URL')
      .with.property('message')
      .that.does.not.contain('secret');
  });
});
