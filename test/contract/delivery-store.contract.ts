import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Delivery, DeliveryStore } from '../../lib/core/forwarding';

/**
 * The behaviour every DeliveryStore adapter must have: conditional creation, updates conditional on the
 * revision read, due records by their next attempt, listings newest received first. Each adapter's test
 * file runs this suite against its backend (DynamoDB Local, the Tablestore wire fake, the in-memory fake
 * the core's unit tests use). Tables may hold other tests' records: times here lie in 2001, and
 * assertions look at this run's records.
 */
export function deliveryStoreContract(name: string, open: () => Promise<DeliveryStore>): void {
  describe(`DeliveryStore contract: ${name}`, () => {
    let store: DeliveryStore;
    const run = randomUUID().slice(0, 8);
    // A minute of 2001 of this run's own: other runs' due records fall elsewhere.
    const base = Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 500_000) * 60_000;
    const at = (seconds: number) => new Date(base + seconds * 1000).toISOString();
    const delivery = (suffix: string, overrides: Partial<Delivery> = {}): Delivery => ({
      eventId: `delivery-${run}-${suffix}`,
      eventType: 'bpms_instance_change',
      receivedAt: at(0),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at(0),
      updatedAt: at(0),
      revision: 0,
      ...overrides,
    });
    const ours = (records: Delivery[]) => records.filter((d) => d.eventId.startsWith(`delivery-${run}-`));

    before(async () => {
      store = await open();
    });

    it('GIVEN no record WHEN created THEN true, and it reads back field for field', async () => {
      const created = delivery('new', { lastStatus: '503' });
      expect(await store.create(created)).to.equal(true);
      expect(await store.get(created.eventId)).to.deep.equal(created);
    });

    it('GIVEN a record WHEN created again THEN false and the first stays', async () => {
      const first = delivery('twice');
      expect(await store.create(first)).to.equal(true);
      expect(await store.create({ ...first, attempts: 3, status: 'failed' })).to.equal(false);
      expect(await store.get(first.eventId)).to.deep.equal(first);
    });

    it('GIVEN ten concurrent creations of one record WHEN they race THEN exactly one is true', async () => {
      const racing = delivery('race');
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.create(racing)));
      expect(outcomes.filter(Boolean)).to.have.length(1);
    });

    it('GIVEN a record at revision 0 WHEN two writers update from it THEN the first wins, the second is refused, the first stays', async () => {
      const record = delivery('update');
      await store.create(record);
      const delivered: Delivery = { ...record, status: 'delivered', attempts: 1, revision: 1 };
      delete delivered.nextAttemptAt;
      expect(await store.update(delivered)).to.equal(true);
      expect(await store.update({ ...record, attempts: 1, lastStatus: '500', revision: 1 })).to.equal(false);
      expect(await store.get(record.eventId)).to.deep.equal(delivered);
      expect(await store.update({ ...delivered, revision: 2, attempts: 2 })).to.equal(true);
    });

    it('GIVEN concurrent updates from one revision WHEN they race THEN exactly one is written', async () => {
      const record = delivery('update-race');
      await store.create(record);
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.update({ ...record, attempts: i + 1, revision: 1 })),
      );
      expect(outcomes.filter(Boolean)).to.have.length(1);
    });

    it('GIVEN no record WHEN updated or read THEN refused, and nothing comes back', async () => {
      expect(await store.update(delivery('absent', { revision: 1 }))).to.equal(false);
      expect(await store.get(`delivery-${run}-absent`)).to.equal(undefined);
    });

    it('GIVEN pending, future, delivered and failed records WHEN due is asked THEN only the due pending ones, oldest due first, bounded by limit', async () => {
      const due = [3, 1, 2].map((s) => delivery(`due-${s}`, { nextAttemptAt: at(100 + s) }));
      const future = delivery('future', { nextAttemptAt: at(200) });
      const done = delivery('done', { status: 'delivered', attempts: 1 });
      delete done.nextAttemptAt;
      const failed = delivery('failed', { status: 'failed', attempts: 8 });
      delete failed.nextAttemptAt;
      for (const record of [...due, future, done, failed]) await store.create(record);
      const now = at(150);
      // Earlier tests' pending records (nextAttemptAt at(0)) come first: they are due too.
      const all = ours(await store.due(now, 100)).filter((d) => d.eventId.includes('-due-'));
      expect(all.map((d) => d.eventId)).to.deep.equal([1, 2, 3].map((s) => `delivery-${run}-due-${s}`));
      expect(await store.due(now, 2)).to.have.length(2);
      expect(ours(await store.due(at(-1), 100))).to.deep.equal([]);
    });

    it('GIVEN records received at different times WHEN listed THEN newest received first, filtered by status and since, bounded by limit', async () => {
      const times = [10, 30, 20];
      for (const s of times) {
        await store.create(
          delivery(`list-${s}`, { receivedAt: at(1_000 + s), status: s === 20 ? 'failed' : 'pending' }),
        );
      }
      const listed = ours(await store.list({ since: at(1_000), limit: 1_000 })).filter((d) =>
        d.eventId.includes('-list-'),
      );
      expect(listed.map((d) => d.eventId)).to.deep.equal(
        [30, 20, 10].map((s) => `delivery-${run}-list-${s}`),
      );
      const failed = ours(await store.list({ status: 'failed', since: at(1_000), limit: 1_000 }));
      expect(failed.map((d) => d.eventId)).to.deep.equal([`delivery-${run}-list-20`]);
      expect(ours(await store.list({ since: at(1_025), limit: 1_000 })).map((d) => d.eventId)).to.include(
        `delivery-${run}-list-30`,
      );
      expect(await store.list({ limit: 1 })).to.have.length(1);
    });
  });
}
