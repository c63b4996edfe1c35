import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../../lib/core/stored-event';
import type { SuiteStateStore } from '../../lib/core/suite-state';
import { SuiteState, suiteChangeOf } from '../../lib/core/suite-state';

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
