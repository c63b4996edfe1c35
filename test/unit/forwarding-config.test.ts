import { expect } from 'chai';
import { parseRetrySchedule } from '../../lib/core/delivery';
import { ConfigError, loadStreamConfig } from '../../lib/startup/config';

const secret = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const base = {
  EVENTS_TABLE: 'events',
  APPROVALS_TABLE: 'approvals',
  DELIVERIES_TABLE: 'deliveries',
  FORWARD_SECRET: secret,
};

function problems(env: Record<string, string>): string[] {
  try {
    loadStreamConfig(env);
    return [];
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe('forwarding configuration', () => {
  it('GIVEN the default schedule WHEN parsed THEN 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: retries over more than a day', () => {
    const schedule = parseRetrySchedule('5s,5m,30m,2h,5h,10h,10h')!;
    expect(schedule).to.deep.equal([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(schedule.reduce((a, b) => a + b, 0)).to.be.greaterThan(24 * 3_600_000);
    expect(
      loadStreamConfig({ ...base, FORWARD_URL: 'https://hooks.example.com/x' }).forward?.schedule,
    ).to.deep.equal(schedule);
  });

  for (const bad of ['', '5', '5x', '5s,,5m', '-5s', '0s']) {
    it(`GIVEN FORWARD_RETRY_SCHEDULE="${bad}" WHEN loaded THEN it is refused, naming the variable`, () => {
      expect(parseRetrySchedule(bad)).to.equal(undefined);
      if (bad !== '') {
        expect(
          problems({ ...base, FORWARD_URL: 'https://h.example.com', FORWARD_RETRY_SCHEDULE: bad }).join(),
        ).to.contain('FORWARD_RETRY_SCHEDULE');
      }
    });
  }

  it('GIVEN a plain http:// receiver that is not loopback WHEN loaded THEN refused, unless FORWARD_ALLOW_HTTP=true', () => {
    expect(problems({ ...base, FORWARD_URL: 'http://intranet.example.com/hooks' }).join()).to.contain(
      'FORWARD_URL must be https://',
    );
    expect(
      problems({ ...base, FORWARD_URL: 'http://intranet.example.com/hooks', FORWARD_ALLOW_HTTP: 'true' }),
    ).to.deep.equal([]);
    for (const loopback of [
      'http://127.0.0.1:9000/h',
      'http://localhost/h',
      'http://[::1]:8080/h',
      'https://example.com/h',
    ]) {
      expect(problems({ ...base, FORWARD_URL: loopback }), loopback).to.deep.equal([]);
    }
    expect(problems({ ...base, FORWARD_URL: 'ftp://example.com/h' }).join()).to.contain('http(s)');
  });
});
