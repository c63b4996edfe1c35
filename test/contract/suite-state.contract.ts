import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../../lib/core/stored-event';
import type { SuiteStateStore } from '../../lib/core/suite-state';
import { SuiteState, suiteChangeOf } from '../../lib/core/suite-state';
import { RecordingLogger } from '../support/recording-logger';

/** A stored SyncHTTP item of an ISV suite, as the callback keeps it (lib/dingtalk/event-payload.ts). */
export function suiteItem(
  appId: string,
  syncAction: string,
  corpId: string,
  atMs: number,
  data: Record<string, unknown> = {},
): StoredEvent {
  const item = {
    corp_id: corpId,
    biz_id: 'suite1234567',
    biz_type: syncAction === 'suite_ticket' ? 2 : 4,
    biz_data: JSON.stringify({ syncAction, ...data }),
    subscribe_id: 'suite1234567_0',
    gmt_modified: atMs,
  };
  return {
    eventId: `synchttp:${appId}:suite1234567_0:${corpId}:${item.biz_type}:suite1234567:${atMs}`,
    eventType: syncAction,
    receivedAt: new Date(atMs).toISOString(),
    ownerKey: 'suite1234567key',
    appId,
    corpId,
    eventTime: atMs,
    payload: JSON.stringify(item),
  };
}

/**
 * What every SuiteStateStore adapter must give the fold (lib/core/suite-state.ts): compare-and-set rows
 * per app and key, listed by prefix in key order, apps kept apart.
 */
export function suiteStateContract(name: string, open: () => Promise<SuiteStateStore>): void {
  describe(`SuiteStateStore contract: ${name}`, () => {
    let state: SuiteState;
    let store: SuiteStateStore;
    const app = `isv-${randomUUID().slice(0, 8)}`;
    const apply = async (event: StoredEvent) => state.apply(suiteChangeOf(event)!);

    before(async () => {
      store = await open();
      state = new SuiteState(store);
    });

    it('GIVEN a row written at a version WHEN written again from an older version THEN refused; from the current one THEN taken', async () => {
      expect(await store.write(app, 'cas', 'one', undefined)).to.equal(true);
      expect(await store.write(app, 'cas', 'two', undefined)).to.equal(false);
      expect(await store.write(app, 'cas', 'two', 1)).to.equal(true);
      expect(await store.write(app, 'cas', 'three', 1)).to.equal(false);
      expect(await store.read(app, 'cas')).to.deep.equal({ value: 'two', version: 2 });
      await store.remove(app, 'cas');
      expect(await store.read(app, 'cas')).to.equal(undefined);
    });

    it('GIVEN two tickets arriving newest first and one repeated WHEN folded THEN the later is kept', async () => {
      const later = suiteItem(app, 'suite_ticket', 'dingisv', 1_764_600_000_000, {
        suiteTicket: 'ticket-later',
      });
      const earlier = suiteItem(app, 'suite_ticket', 'dingisv', 1_764_582_000_000, {
        suiteTicket: 'ticket-earlier',
      });
      for (const event of [later, earlier, later]) await apply(event);
      expect(await state.ticket(app)).to.deep.equal({
        appId: app,
        ticket: 'ticket-later',
        atMs: 1_764_600_000_000,
        eventId: later.eventId,
      });
      expect(await state.ticket(`${app}-other`)).to.equal(undefined);
    });

    it('GIVEN rows in a partition WHEN listed without a prefix THEN all of them, in key order', async () => {
      const partition = `${app}-all`;
      for (const key of ['b', 'a|1', 'c'])
        expect(await store.write(partition, key, key, undefined)).to.equal(true);
      expect((await store.list(partition, '', 10)).map((row) => row.key)).to.deep.equal(['a|1', 'b', 'c']);
    });

    it('GIVEN one suite’s ticket 13 h old and another’s fresh WHEN the stale tickets are asked THEN only the old one, logged without its ticket', async () => {
      const now = Date.now();
      const logger = new RecordingLogger();
      for (const [suffix, atMs] of [
        ['old', now - 13 * 3_600_000],
        ['fresh', now - 3_600_000],
      ] as const) {
        await state.apply({
          kind: 'ticket',
          ticket: {
            appId: `${app}-${suffix}`,
            ticket: `Ticket-${suffix}-${app}`,
            atMs,
            eventId: `t-${suffix}`,
          },
        });
      }
      const mine = [`${app}-old`, `${app}-fresh`];
      const stale = (await state.staleTickets(now, logger)).filter((one) => mine.includes(one.appId));
      expect(stale).to.deep.equal([{ appId: `${app}-old`, ageSeconds: 13 * 3600 }]);
      expect(logger.records.map((record) => record.attributes.outcome)).to.include('suite_ticket_stale');
      expect(logger.text()).not.to.contain(`Ticket-old-${app}`);
    });

    it('GIVEN auth, then relieve, of one corp, folded in either order and twice THEN relieved since the relieve, with the name from the auth', async () => {
      const auth = suiteItem(app, 'org_suite_auth', 'dingcorpA', 1_000_000, {
        auth_corp_info: { corpid: 'dingcorpA', corp_name: '甲公司' },
      });
      const relieve = suiteItem(app, 'org_suite_relieve', 'dingcorpA', 2_000_000);
      const other = suiteItem(app, 'org_suite_auth', 'dingcorpB', 1_500_000, {
        auth_corp_info: { corpid: 'dingcorpB', corp_name: '乙公司' },
      });
      for (const event of [relieve, auth, other, auth, relieve]) await apply(event);
      expect(await state.corps(app, 100)).to.deep.equal([
        {
          appId: app,
          corpId: 'dingcorpA',
          status: 'relieved',
          sinceMs: 2_000_000,
          eventId: relieve.eventId,
          name: '甲公司',
        },
        {
          appId: app,
          corpId: 'dingcorpB',
          status: 'authorised',
          sinceMs: 1_500_000,
          eventId: other.eventId,
          name: '乙公司',
        },
      ]);
      expect(await state.corps(app, 1)).to.have.length(1);
      expect(await state.corps(`${app}-other`, 100)).to.deep.equal([]);
    });
  });
}
