import { expect } from 'chai';
import type { DeliveryAttempt, EventForwarder } from '../../lib/core/forwarding';
import { createForwarding, parseRetrySchedule } from '../../lib/core/forwarding';
import type { StoredEvent } from '../../lib/core/stored-event';
import { InMemoryDeliveryStore, InMemoryEventStore } from '../support/in-memory-stores';
import { RecordingLogger } from '../support/recording-logger';

/** A receiver stand-in at the port: answers from a script, records what it was sent. */
class ScriptedForwarder implements EventForwarder {
  readonly sent: string[] = [];
  /** While set, every attempt waits for it: an attempt in flight. */
  hold?: Promise<void>;
  constructor(private readonly answers: DeliveryAttempt[] = [{ ok: true, status: '200' }]) {}
  async forward(event: StoredEvent): Promise<DeliveryAttempt> {
    this.sent.push(event.eventId);
    if (this.hold) await this.hold;
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
    attemptLeaseMs: 8_000,
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
      if (next.attempts === stored.attempts) return false; // the attempt's lease: let it through
      deliveries.records.set(next.eventId, {
        ...stored,
        status: 'delivered',
        attempts: stored.attempts + 1,
        lastStatus: '200',
        revision: stored.revision + 1,
      });
    };
    await forwarding.retryDue(forever);
    expect(await deliveries.get('e1')).to.include({ status: 'delivered', lastStatus: '200', revision: 2 });
  });

  it('GIVEN another writer moved a pending record on WHEN a successful attempt is recorded THEN it is written on top of theirs', async () => {
    const { forwarding, deliveries, events } = setUp([{ ok: true, status: '204' }]);
    await events.put(event('e1'));
    await forwarding.onStored(event('e1'), { attemptNow: false });
    deliveries.beforeUpdate = (next) => {
      const stored = deliveries.records.get(next.eventId)!;
      if (next.attempts === stored.attempts) return false; // the attempt's lease: let it through
      deliveries.records.set(next.eventId, {
        ...stored,
        attempts: stored.attempts + 1,
        lastStatus: '503',
        revision: stored.revision + 1,
      });
    };
    await forwarding.retryDue(forever);
    expect(await deliveries.get('e1')).to.include({ status: 'delivered', attempts: 2, revision: 3 });
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

  describe('no silent stall (issue 20)', () => {
    it('GIVEN the oldest due delivery’s event cannot be read WHEN retries run THEN the three behind it are delivered, and it is rescheduled with its own reason, counted and logged as delivery_error', async () => {
      const { forwarding, deliveries, events, logger, advance } = setUp();
      for (const id of ['bad', 'a', 'b', 'c']) {
        await events.put(event(id));
        await forwarding.onStored(event(id), { attemptNow: false });
        advance(1_000);
      }
      const get = events.get.bind(events);
      events.get = async (eventId) => {
        if (eventId === 'bad') throw new TypeError('item lost its attributes');
        return get(eventId);
      };
      const report = await forwarding.retryDue(forever);
      expect(report).to.deep.include({ due: 4, delivered: 3, errors: 1 });
      expect((await deliveries.get('bad'))!).to.deep.include({
        status: 'pending',
        attempts: 1,
        lastStatus: 'Unreadable: TypeError',
      });
      expect((await deliveries.get('bad'))!.nextAttemptAt! > '2026-11-30T08:00:04.000Z').to.equal(true);
      const line = logger.records.find((r) => r.attributes.outcome === 'delivery_error');
      expect(line?.level).to.equal('error');
      expect(line?.attributes).to.deep.include({ eventId: 'bad' });
    });

    it('GIVEN an event that can never be read WHEN its schedule is spent THEN it is failed, like any delivery', async () => {
      const { forwarding, deliveries, events, advance } = setUp(undefined, [1_000]);
      await forwarding.onStored(event('bad'), { attemptNow: false });
      events.get = async () => {
        throw new SyntaxError('broken item');
      };
      await forwarding.retryDue(forever);
      advance(1_000);
      const report = await forwarding.retryDue(forever);
      expect(report).to.deep.include({ errors: 1, failed: 1 });
      expect(await deliveries.get('bad')).to.include({
        status: 'failed',
        lastStatus: 'Unreadable: SyntaxError',
      });
    });

    it('GIVEN a pending delivery with retries left WHEN a replay attempt fails THEN it stays pending, its schedule intact', async () => {
      const { forwarding, deliveries, events } = setUp([{ ok: false, status: '503' }], [5_000, 60_000]);
      await events.put(event('e1'));
      const before = await forwarding.onStored(event('e1'), { attemptNow: true });
      expect(before).to.include({ status: 'pending', attempts: 1 });
      const outcomes = await forwarding.replay(['e1']);
      expect(outcomes).to.deep.equal([{ eventId: 'e1', status: 'pending' }]);
      expect(await deliveries.get('e1')).to.include({
        status: 'pending',
        attempts: 1,
        nextAttemptAt: before.nextAttemptAt,
        lastStatus: '503',
      });
    });

    it('GIVEN a first attempt still in flight WHEN a retry run comes THEN it does not make the attempt again (the first attempt holds a lease)', async () => {
      const { forwarding, forwarder, events } = setUp();
      await events.put(event('e1'));
      let release = () => undefined as void;
      forwarder.hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      const first = forwarding.onStored(event('e1'), { attemptNow: true });
      await new Promise((resolve) => setImmediate(resolve));
      const report = await forwarding.retryDue(forever);
      release();
      expect((await first).status).to.equal('delivered');
      expect(report.due).to.equal(0);
      expect(forwarder.sent).to.deep.equal(['e1']);
    });

    it('GIVEN two retry runs at once (overlapping timer runs) WHEN the same deliveries are due THEN each is sent once and counted once', async () => {
      const { forwarding, forwarder, events, deliveries } = setUp();
      for (const id of ['a', 'b', 'c']) {
        await events.put(event(id));
        await forwarding.onStored(event(id), { attemptNow: false });
      }
      const [one, two] = await Promise.all([forwarding.retryDue(forever), forwarding.retryDue(forever)]);
      expect([...forwarder.sent].sort()).to.deep.equal(['a', 'b', 'c']);
      expect(one.delivered + two.delivered).to.equal(3);
      for (const id of ['a', 'b', 'c']) expect(await deliveries.get(id)).to.include({ attempts: 1 });
    });

    it('GIVEN due deliveries WHEN retries run THEN the report carries the age of the oldest due one', async () => {
      const { forwarding, events, advance } = setUp([{ ok: false, status: '500' }]);
      await events.put(event('e1'));
      await forwarding.onStored(event('e1'), { attemptNow: false });
      advance(90_000);
      expect((await forwarding.retryDue(forever)).oldestDueAgeMs).to.equal(90_000);
      expect((await forwarding.retryDue(forever)).oldestDueAgeMs).to.equal(0);
    });
  });
});
