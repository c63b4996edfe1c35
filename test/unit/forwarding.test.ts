import { expect } from 'chai';
import type { DeliveryAttempt, EventForwarder } from '../../lib/core/forwarding';
import { createForwarding, parseRetrySchedule } from '../../lib/core/forwarding';
import type { StoredEvent } from '../../lib/core/stored-event';
import { InMemoryDeliveryStore, InMemoryEventStore } from '../support/in-memory-stores';
import { RecordingLogger } from '../support/recording-logger';

/** A receiver stand-in at the port: answers from a script, records what it was sent. */
class ScriptedForwarder implements EventForwarder {
  readonly sent: string[] = [];
  constructor(private readonly answers: DeliveryAttempt[] = [{ ok: true, status: '200' }]) {}
  async forward(event: StoredEvent): Promise<DeliveryAttempt> {
    this.sent.push(event.eventId);
    return this.answers.length > 1 ? this.answers.shift()! : this.answers[0]!;
  }
}

const event = (id: string): StoredEvent => ({
  eventId: id,
  eventType: 'bpms_instance_change',
  receivedAt: '2026-11-30T08:00:00.000Z',
  ownerKey: 'dingcorp',
  payload: '{"EventType":"bpms_instance_change"}',
});

function setUp(answers?: DeliveryAttempt[], schedule = [5_000, 60_000]) {
  let clock = Date.parse('2026-11-30T08:00:00.000Z');
  const deliveries = new InMemoryDeliveryStore();
  const events = new InMemoryEventStore();
  const forwarder = new ScriptedForwarder(answers);
  const logger = new RecordingLogger();
  const forwarding = createForwarding({
    deliveries,
    events,
    forwarder,
    schedule,
    logger,
    now: () => clock,
  });
  return {
    deliveries,
    events,
    forwarder,
    logger,
    forwarding,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const forever = { remainingMs: () => Number.POSITIVE_INFINITY, reserveMs: 0, limit: 100 };

describe('forwarding (lib/core/forwarding.ts) against in-memory stores', () => {
  it('GIVEN the default schedule WHEN parsed THEN seven delays that add up to more than a day', () => {
    const schedule = parseRetrySchedule('5s,5m,30m,2h,5h,10h,10h')!;
    expect(schedule).to.have.length(7);
    expect(schedule.reduce((a, b) => a + b, 0)).to.be.greaterThan(24 * 3_600_000);
  });

  it('GIVEN a new event WHEN stored with attemptNow THEN one record, one attempt, delivered', async () => {
    const { forwarding, deliveries, forwarder } = setUp();
    const delivery = await forwarding.onStored(event('e1'), { attemptNow: true });
    expect(delivery).to.include({ status: 'delivered', attempts: 1, lastStatus: '200', revision: 1 });
    expect(forwarder.sent).to.deep.equal(['e1']);
    expect(await deliveries.get('e1')).to.deep.equal(delivery);
  });

  it('GIVEN a stream record delivered twice WHEN processed again THEN the record is found and no second attempt is made', async () => {
    const { forwarding, forwarder } = setUp();
    await forwarding.onStored(event('e1'), { attemptNow: true });
    const again = await forwarding.onStored(event('e1'), { attemptNow: true });
    expect(again.status).to.equal('delivered');
    expect(forwarder.sent).to.deep.equal(['e1']);
  });

  it('GIVEN a short time budget WHEN stored without attemptNow THEN the record is pending and due at once, nothing sent', async () => {
    const { forwarding, forwarder } = setUp();
    const delivery = await forwarding.onStored(event('e1'), { attemptNow: false });
    expect(delivery).to.include({
      status: 'pending',
      attempts: 0,
      nextAttemptAt: '2026-11-30T08:00:00.000Z',
    });
    expect(forwarder.sent).to.deep.equal([]);
  });

  it('GIVEN a receiver that fails WHEN the schedule runs out THEN pending after each try with the next delay, failed after the last, logged as delivery_failed', async () => {
    const { forwarding, events, advance, logger } = setUp([{ ok: false, status: '503' }], [5_000, 60_000]);
    await events.put(event('e1'));
    const first = await forwarding.onStored(event('e1'), { attemptNow: true });
    expect(first).to.include({ status: 'pending', attempts: 1, nextAttemptAt: '2026-11-30T08:00:05.000Z' });

    expect(await forwarding.retryDue(forever)).to.deep.include({ due: 0 });
    advance(5_000);
    expect(await forwarding.retryDue(forever)).to.deep.include({ due: 1, rescheduled: 1 });
    advance(60_000);
    expect(await forwarding.retryDue(forever)).to.deep.include({ due: 1, failed: 1 });
    expect(logger.records.filter((r) => r.attributes.outcome === 'delivery_failed')).to.have.length(1);
  });

  it('GIVEN a due delivery whose event is gone WHEN retried THEN failed as EventMissing, nothing sent', async () => {
    const { forwarding, deliveries, forwarder } = setUp([{ ok: false, status: '500' }]);
    await forwarding.onStored(event('gone'), { attemptNow: false });
    const report = await forwarding.retryDue(forever);
    expect(report).to.deep.include({ due: 1, failed: 1 });
    expect(await deliveries.get('gone')).to.include({ status: 'failed', lastStatus: 'EventMissing' });
    expect(forwarder.sent).to.deep.equal([]);
  });

  it('GIVEN less time left than the reserve WHEN retries run THEN the due deliveries are deferred, not attempted', async () => {
    const { forwarding, events, forwarder } = setUp();
    await events.put(event('e1'));
    await forwarding.onStored(event('e1'), { attemptNow: false });
    const report = await forwarding.retryDue({ remainingMs: () => 1_000, reserveMs: 5_000, limit: 10 });
    expect(report).to.deep.include({ due: 1, deferred: 1, delivered: 0 });
    expect(forwarder.sent).to.deep.equal([]);
  });

  it('GIVEN another writer delivers the event while a failed attempt is in flight WHEN the attempt is recorded THEN the lost race keeps `delivered`', async () => {
    const { forwarding, deliveries, events } = setUp([{ ok: false, status: 'TimeoutError' }]);
    await events.put(event('e1'));
    await forwarding.onStored(event('e1'), { attemptNow: false });
    deliveries.beforeUpdate = (next) => {
      const stored = deliveries.records.get(next.eventId)!;
      deliveries.records.set(next.eventId, {
        ...stored,
        status: 'delivered',
        attempts: stored.attempts + 1,
        lastStatus: '200',
        revision: stored.revision + 1,
      });
    };
    await forwarding.retryDue(forever);
    expect(await deliveries.get('e1')).to.include({ status: 'delivered', lastStatus: '200', revision: 1 });
  });

  it('GIVEN another writer moved a pending record on WHEN a successful attempt is recorded THEN it is written on top of theirs', async () => {
    const { forwarding, deliveries, events } = setUp([{ ok: true, status: '204' }]);
    await events.put(event('e1'));
    await forwarding.onStored(event('e1'), { attemptNow: false });
    deliveries.beforeUpdate = (next) => {
      const stored = deliveries.records.get(next.eventId)!;
      deliveries.records.set(next.eventId, {
        ...stored,
        attempts: stored.attempts + 1,
        lastStatus: '503',
        revision: stored.revision + 1,
      });
    };
    await forwarding.retryDue(forever);
    expect(await deliveries.get('e1')).to.include({ status: 'delivered', attempts: 2, revision: 2 });
  });

  it('GIVEN the deliveries store is down WHEN an event is stored THEN onStored throws, so the table-change record is retried', async () => {
    const { forwarding, deliveries } = setUp();
    deliveries.faults.failNext(1);
    let caught: unknown;
    await forwarding.onStored(event('e1'), { attemptNow: true }).catch((error: unknown) => {
      caught = error;
    });
    expect(caught).to.be.instanceOf(Error);
    expect(deliveries.records.size).to.equal(0);
  });

  it('GIVEN stored events WHEN replayed THEN each is sent again with its id, delivered, and a missing id is reported', async () => {
    const { forwarding, events, forwarder } = setUp();
    await events.put(event('a'));
    await forwarding.onStored(event('a'), { attemptNow: true });
    const outcomes = await forwarding.replay(['a', 'nope']);
    expect(outcomes).to.deep.equal([
      { eventId: 'a', status: 'delivered' },
      { eventId: 'nope', status: 'missing' },
    ]);
    expect(forwarder.sent).to.deep.equal(['a', 'a']);
  });
});
