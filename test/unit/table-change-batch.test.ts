import { expect } from 'chai';
import type { TableChange } from '../../lib/core/table-change-batch';
import { processTableChanges } from '../../lib/core/table-change-batch';
import { UnprocessableEventError } from '../../lib/core/stored-event-processing';
import type { StoredEvent } from '../../lib/core/stored-event';
import { InMemoryParkingStore } from '../support/in-memory-stores';
import { RecordingLogger } from '../support/recording-logger';

const event = (id: string): StoredEvent => ({
  eventId: id,
  eventType: 'user_add_org',
  receivedAt: '2026-11-30T08:00:00.000Z',
  ownerKey: 'dingcorp',
  payload: '{}',
});
const change = (id: string): TableChange => ({
  kind: 'event',
  event: event(id),
  raw: () => `{"id":"${id}"}`,
});
const noSleep = async () => undefined;

describe('table-change batch policy (lib/core/table-change-batch.ts)', () => {
  it('GIVEN events, a skipped change and a malformed row WHEN processed THEN events in order, the skip counted, the malformed row parked with its reason', async () => {
    const parking = new InMemoryParkingStore();
    const seen: string[] = [];
    const report = await processTableChanges(
      [
        change('a'),
        { kind: 'skip' },
        { kind: 'malformed', eventId: 'm', reason: 'no payload', raw: () => '{"m":1}' },
        change('b'),
      ],
      {
        process: async (e) => {
          seen.push(e.eventId);
        },
        parking,
        logger: new RecordingLogger(),
        sleep: noSleep,
      },
    );
    expect(seen).to.deep.equal(['a', 'b']);
    expect(report).to.deep.equal({ processed: 2, parked: 1, skipped: 1, deferred: 0 });
    expect(parking.parked.get('m')).to.deep.include({ reason: 'no payload', record: '{"m":1}', attempts: 0 });
  });

  it('GIVEN a record that fails twice then succeeds WHEN processed THEN three tries and nothing parked', async () => {
    const parking = new InMemoryParkingStore();
    let tries = 0;
    const report = await processTableChanges([change('a')], {
      process: async () => {
        if (++tries < 3) throw new Error('blip');
      },
      parking,
      logger: new RecordingLogger(),
      sleep: noSleep,
    });
    expect(tries).to.equal(3);
    expect(report.processed).to.equal(1);
    expect(parking.parked.size).to.equal(0);
  });

  it('GIVEN a record that can never be processed WHEN processed THEN parked at once with the reason, an error logged, and the next record still processed', async () => {
    const parking = new InMemoryParkingStore();
    const logger = new RecordingLogger();
    let tries = 0;
    const report = await processTableChanges([change('bad'), change('good')], {
      process: async (e) => {
        if (e.eventId === 'bad') {
          tries++;
          throw new UnprocessableEventError('the stored payload is not JSON (SyntaxError)');
        }
      },
      parking,
      logger,
      sleep: noSleep,
    });
    expect(report).to.deep.include({ processed: 1, parked: 1 });
    expect(tries).to.equal(1);
    expect(parking.parked.get('bad')).to.deep.include({
      reason: 'UnprocessableEventError: the stored payload is not JSON (SyntaxError)',
    });
    expect(logger.records.find((r) => r.attributes.outcome === 'parked')?.level).to.equal('error');
  });

  it('GIVEN a store blip that outlasts the tries (OTSPartitionUnavailable) WHEN processed THEN nothing is parked and the batch fails, so the trigger retries it (issue 20)', async () => {
    const parking = new InMemoryParkingStore();
    const logger = new RecordingLogger();
    const waits: number[] = [];
    const blip = Object.assign(new Error('The partition is not available.'), {
      code: 'OTSPartitionUnavailable',
    });
    let caught: unknown;
    await processTableChanges([change('a'), change('b')], {
      process: async (e) => {
        if (e.eventId === 'b') throw blip;
      },
      parking,
      logger,
      sleep: async (ms) => {
        waits.push(ms);
      },
    }).catch((error: unknown) => {
      caught = error;
    });
    expect(caught).to.equal(blip);
    expect(parking.parked.size).to.equal(0);
    expect(waits).to.deep.equal([200, 400]);
    expect(logger.records.find((r) => r.attributes.outcome === 'retry_batch')?.level).to.equal('error');
  });

  it('GIVEN the parking store is down WHEN a record must be parked THEN the batch fails (the trigger retries it whole)', async () => {
    const parking = new InMemoryParkingStore();
    parking.faults.failNext(1);
    let caught: unknown;
    await processTableChanges([{ kind: 'malformed', eventId: 'm', reason: 'r', raw: () => '{}' }], {
      process: async () => undefined,
      parking,
      logger: new RecordingLogger(),
      sleep: noSleep,
    }).catch((error: unknown) => {
      caught = error;
    });
    expect(caught).to.be.instanceOf(Error);
  });

  it('GIVEN less time left than the attempt reserve WHEN processed THEN each record is processed without a delivery attempt and counted as deferred', async () => {
    const options: boolean[] = [];
    const report = await processTableChanges([change('a'), change('b')], {
      process: async (_e, { attemptNow }) => {
        options.push(attemptNow);
      },
      parking: new InMemoryParkingStore(),
      logger: new RecordingLogger(),
      remainingMs: () => 9_000,
      attemptReserveMs: 10_000,
    });
    expect(options).to.deep.equal([false, false]);
    expect(report).to.deep.include({ processed: 2, deferred: 2 });
  });
});
