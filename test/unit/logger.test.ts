import { expect } from 'chai';
import { createIngest } from '../../lib/core/ingest';
import { errorSummary } from '../../lib/core/logger';
import { createStoredEventProcessor } from '../../lib/core/stored-event-processing';
import { processTableChanges } from '../../lib/core/table-change-batch';
import { parseExactJson } from '../../lib/dingtalk/exact-json';
import { devCrypto, signedPush } from '../support/dingtalk-client';
import { InMemoryEventStore, InMemoryParkingStore } from '../support/in-memory-stores';
import { RecordingLogger } from '../support/recording-logger';

const MARKER = 'secret-remark 机密';

/** Decrypted payloads appear only at DEBUG (lib/core/logger.ts): tried with a marker at every level. */
describe('logs never carry payload text above DEBUG (issue 20)', () => {
  it('GIVEN a JSON parse error on a payload WHEN summarised THEN the name stays and the quoted text goes', () => {
    let error: unknown;
    try {
      parseExactJson(`${MARKER} is not JSON`);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(SyntaxError);
    expect((error as Error).message).to.contain('secret-rem');
    expect(errorSummary(error)).to.deep.equal({
      name: 'SyntaxError',
      message: 'invalid JSON (text withheld)',
    });
    expect(errorSummary('a string')).to.deep.equal({
      name: 'NonError',
      message: 'a non-Error value was thrown',
    });
  });

  it('GIVEN a stored event whose payload is not JSON WHEN the Alibaba batch parks it THEN neither a log line nor the park reason holds its text', async () => {
    const logger = new RecordingLogger();
    const parking = new InMemoryParkingStore();
    const process = createStoredEventProcessor({
      approvals: { apply: async () => undefined, get: async () => undefined, list: async () => [] },
      logger,
    });
    const event = {
      eventId: 'poison',
      eventType: 'bpms_instance_change',
      receivedAt: '2026-11-30T08:00:00.000Z',
      ownerKey: 'dingcorp',
      payload: `{${MARKER}`,
    };
    await processTableChanges([{ kind: 'event', event, raw: () => '{}' }], {
      process,
      parking,
      logger,
      sleep: async () => undefined,
    });
    expect(parking.parked.get('poison')?.reason).to.equal(
      'UnprocessableEventError: the stored payload is not JSON (SyntaxError)',
    );
    expect(logger.text('info')).not.to.contain('secret-rem');
    expect(JSON.stringify([...parking.parked.values()].map((p) => p.reason))).not.to.contain('secret-rem');
  });

  it('GIVEN a push whose decrypted text is not JSON, and a store that fails WHEN ingested THEN no line above DEBUG holds the marker', async () => {
    const logger = new RecordingLogger();
    const store = new InMemoryEventStore();
    const ingest = createIngest({ crypto: devCrypto, store, logger, now: Date.now, maxBodyBytes: 1 << 20 });
    const bad = signedPush(`${MARKER} not json`);
    expect((await ingest({ method: 'POST', ...bad })).statusCode).to.equal(400);
    store.faults.failNext(1, new SyntaxError(`Unexpected token 's', "${MARKER}" is not valid JSON`));
    const good = signedPush(JSON.stringify({ EventType: 'user_add_org', eventId: 'e1', remark: MARKER }));
    expect((await ingest({ method: 'POST', ...good })).statusCode).to.equal(503);
    expect(
      logger.records.some((r) => r.level === 'debug' || r.attributes.outcome === 'store_failed'),
    ).to.equal(true);
    expect(logger.text('info')).not.to.contain('secret-rem');
  });
});
