import { expect } from 'chai';
import { reprocessStoredEvents } from '../../lib/core/reprocessing';
import type { StoredEvent } from '../../lib/core/stored-event';
import { InMemoryEventStore, InMemoryParkingStore } from '../support/in-memory-stores';
import { RecordingLogger } from '../support/recording-logger';

const event = (id: string): StoredEvent => ({
  eventId: id,
  eventType: 'bpms_instance_change',
  receivedAt: '2026-11-30T08:00:00.000Z',
  ownerKey: 'dingcorp',
  payload: '{}',
});

describe('reprocessing stored events (lib/core/reprocessing.ts) against in-memory stores', () => {
  it('GIVEN stored, missing and failing events WHEN reprocessed THEN each is processed without a delivery attempt, reported, and one failure stops nothing', async () => {
    const events = new InMemoryEventStore();
    for (const id of ['a', 'boom', 'b']) await events.put(event(id));
    const seen: Array<[string, boolean]> = [];
    const logger = new RecordingLogger();
    const outcomes = await reprocessStoredEvents(['a', 'gone', 'boom', 'b'], {
      events,
      process: async (e, { attemptNow }) => {
        if (e.eventId === 'boom') throw new Error('approvals down');
        seen.push([e.eventId, attemptNow]);
      },
      logger,
    });
    expect(outcomes).to.deep.equal([
      { eventId: 'a', status: 'processed' },
      { eventId: 'gone', status: 'missing' },
      { eventId: 'boom', status: 'failed', error: 'Error: approvals down' },
      { eventId: 'b', status: 'processed' },
    ]);
    expect(seen).to.deep.equal([
      ['a', false],
      ['b', false],
    ]);
    expect(logger.records.find((r) => r.attributes.outcome === 'reprocess_failed')?.level).to.equal('error');
  });

  it('GIVEN parked events WHEN reprocessed with the parking store THEN the rows of the processed ones go and the failed one stays', async () => {
    const events = new InMemoryEventStore();
    const parking = new InMemoryParkingStore();
    for (const id of ['ok', 'still-bad']) {
      await events.put(event(id));
      await parking.park({ eventId: id, eventType: 't', reason: 'r', record: '{}', attempts: 1 });
    }
    await reprocessStoredEvents(['ok', 'still-bad'], {
      events,
      parking,
      process: async (e) => {
        if (e.eventId === 'still-bad') throw new Error('no');
      },
      logger: new RecordingLogger(),
    });
    expect([...parking.parked.keys()]).to.deep.equal(['still-bad']);
  });
});
