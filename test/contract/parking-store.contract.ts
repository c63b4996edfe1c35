import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { ParkingStore } from '../../lib/core/table-change-batch';

/** What a parking store holds for one event, read back by the adapter's own means. */
export interface ParkedRow {
  eventType: string;
  reason: string;
  record: string;
  attempts: number;
}

/**
 * The behaviour every ParkingStore adapter must have: one row per event, the latest reason winning, with
 * reason and record bounded so a huge record cannot fail the park itself. `read` reads a row back by the
 * backend's own means (the port has no reader: parked rows are read by operators).
 */
export function parkingStoreContract(
  name: string,
  open: () => Promise<{ store: ParkingStore; read: (eventId: string) => Promise<ParkedRow | undefined> }>,
): void {
  describe(`ParkingStore contract: ${name}`, () => {
    let store: ParkingStore;
    let read: (eventId: string) => Promise<ParkedRow | undefined>;
    const run = randomUUID().slice(0, 8);

    before(async () => {
      ({ store, read } = await open());
    });

    it('GIVEN a record that cannot be processed WHEN parked THEN its type, reason, record and attempts are kept', async () => {
      const eventId = `parked-${run}-one`;
      await store.park({
        eventId,
        eventType: 'bpms_task_change',
        reason: 'TypeError: x',
        record: '{"a":1}',
        attempts: 3,
      });
      expect(await read(eventId)).to.deep.equal({
        eventType: 'bpms_task_change',
        reason: 'TypeError: x',
        record: '{"a":1}',
        attempts: 3,
      });
    });

    it('GIVEN a parked record WHEN parked again THEN one row, with the latest reason', async () => {
      const eventId = `parked-${run}-twice`;
      await store.park({ eventId, eventType: 't', reason: 'first', record: '{}', attempts: 3 });
      await store.park({ eventId, eventType: 't', reason: 'second', record: '{}', attempts: 6 });
      expect(await read(eventId)).to.include({ reason: 'second', attempts: 6 });
    });

    it('GIVEN a 3 MB record and a 10 kB reason WHEN parked THEN it is parked, both cut to their bounds', async () => {
      const eventId = `parked-${run}-huge`;
      await store.park({
        eventId,
        eventType: 't',
        reason: 'r'.repeat(10_000),
        record: 'x'.repeat(3_000_000),
        attempts: 0,
      });
      const row = await read(eventId);
      expect(row?.reason.length).to.be.at.most(2_000);
      expect(row?.record.length).to.be.at.most(100_000);
    });

    it('GIVEN parked records WHEN listed THEN each once with its reason, newest parked first; removed ones are gone', async () => {
      const first = `parked-${run}-list-1`;
      const second = `parked-${run}-list-2`;
      await store.park({ eventId: first, eventType: 't', reason: 'one', record: '{}', attempts: 1 });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.park({ eventId: second, eventType: 't', reason: 'two', record: '{}', attempts: 1 });
      const ours = (await store.list(1_000)).filter((p) => p.eventId.startsWith(`parked-${run}-list-`));
      expect(ours.map((p) => [p.eventId, p.reason])).to.deep.equal([
        [second, 'two'],
        [first, 'one'],
      ]);
      expect(Date.parse(ours[0]!.parkedAt)).to.be.greaterThan(0);
      await store.remove(first);
      expect(await read(first)).to.equal(undefined);
      expect((await store.list(1_000)).map((p) => p.eventId)).not.to.include(first);
    });
  });
}
