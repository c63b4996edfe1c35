import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { EventStore, StoredEvent } from '../../lib/core/stored-event';
import { chineseApproval, incompressible } from '../support/large-payloads';

/**
 * The behaviour every EventStore adapter must have. Each adapter's test file runs this suite
 * against a real backend (or, where none can run here, a named wire-level stand-in).
 */
export function eventStoreContract(name: string, open: () => Promise<EventStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    const run = randomUUID().slice(0, 8);
    const event = (suffix: string, overrides: Partial<StoredEvent> = {}): StoredEvent => ({
      eventId: `contract-${run}-${suffix}`,
      eventType: `contract_${run}`,
      receivedAt: new Date().toISOString(),
      ownerKey: 'dingcorp',
      payload: `{"EventType":"contract_${run}","n":"${suffix}","big":9007199254740993,"text":"审批"}`,
      ...overrides,
    });

    before(async () => {
      store = await open();
    });

    it('GIVEN a new event WHEN put THEN it is stored and reads back field for field', async () => {
      const stored = event('new', { corpId: 'ding1', eventTime: 1663143335567, processInstanceId: 'pi-1' });
      expect(await store.put(stored)).to.equal('stored');
      expect(await store.get(stored.eventId)).to.deep.equal(stored);
    });

    it('GIVEN a stored event WHEN the same id is put again THEN it is a duplicate and the first copy stays', async () => {
      const first = event('dup');
      expect(await store.put(first)).to.equal('stored');
      const second = { ...first, receivedAt: new Date(Date.now() + 1000).toISOString(), ownerKey: 'other' };
      expect(await store.put(second)).to.equal('duplicate');
      expect(await store.get(first.eventId)).to.deep.equal(first);
    });

    it('GIVEN ten concurrent puts of one event WHEN they race THEN exactly one stores it', async () => {
      const racing = event('race');
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.put(racing)));
      expect(outcomes.filter((outcome) => outcome === 'stored')).to.have.length(1);
      expect(outcomes.filter((outcome) => outcome === 'duplicate')).to.have.length(9);
    });

    it('GIVEN an unknown id WHEN read THEN nothing comes back', async () => {
      expect(await store.get(`contract-${run}-missing`)).to.equal(undefined);
    });

    it('GIVEN events of one type WHEN listed by type THEN newest first, bounded by since and limit', async () => {
      const type = `listing_${run}`;
      const base = Date.now() - 60_000;
      const events = [0, 1, 2, 3].map((i) =>
        event(`list-${i}`, { eventType: type, receivedAt: new Date(base + i * 1000).toISOString() }),
      );
      for (const stored of events) await store.put(stored);
      const all = await store.list({ eventType: type, limit: 10 });
      expect(all.map((e) => e.eventId)).to.deep.equal(events.map((e) => e.eventId).reverse());
      const limited = await store.list({ eventType: type, limit: 2 });
      expect(limited.map((e) => e.eventId)).to.deep.equal([events[3]!.eventId, events[2]!.eventId]);
      const since = await store.list({ eventType: type, since: events[2]!.receivedAt, limit: 10 });
      expect(since.map((e) => e.eventId)).to.deep.equal([events[3]!.eventId, events[2]!.eventId]);
    });

    it('GIVEN events of several types WHEN listed without a type THEN they appear newest first', async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      const a = event('any-a', { eventType: `a_${run}`, receivedAt: new Date(Date.now()).toISOString() });
      const b = event('any-b', { eventType: `b_${run}`, receivedAt: new Date(Date.now() + 5).toISOString() });
      await store.put(a);
      await store.put(b);
      const listed = (await store.list({ since, limit: 1000 })).map((e) => e.eventId);
      expect(listed.indexOf(b.eventId)).to.be.greaterThanOrEqual(0);
      expect(listed.indexOf(b.eventId)).to.be.lessThan(listed.indexOf(a.eventId));
    });

    for (const [kind, text] of [
      ['460 KB of Chinese text', chineseApproval],
      ['700 KB that does not compress', incompressible],
    ] as const) {
      it(`GIVEN an event of ${kind} (over DynamoDB's 400 KB item limit) WHEN put twice THEN stored once and read back byte for byte, also when listed`, async () => {
        const eventId = `contract-${run}-large-${kind.length}`;
        const large = event(`large-${kind.length}`, {
          eventId,
          eventType: `large_${run}`,
          payload: text(eventId),
        });
        expect(await store.put(large)).to.equal('stored');
        expect(await store.put(large)).to.equal('duplicate');
        expect(await store.get(eventId)).to.deep.equal(large);
        const listed = await store.list({ eventType: `large_${run}`, limit: 10 });
        expect(listed.find((e) => e.eventId === eventId)).to.deep.equal(large);
      });
    }
  });
}
