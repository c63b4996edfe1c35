import { expect } from 'chai';
import { createStreamModeIngest, storedEventFromStreamFrame } from '../../lib/core/stream-mode-ingest';
import { storedEventToJson } from '../../lib/core/stored-event';
import { parseEvent } from '../../lib/dingtalk/event-payload';
import type { StreamFrame } from '../../lib/dingtalk/stream-protocol';
import { InMemoryEventStore } from '../support/in-memory-stores';
import { RecordingLogger } from '../support/recording-logger';

const frame = (data: object, headers: Record<string, string> = {}): StreamFrame => ({
  specVersion: '1.0',
  type: 'EVENT',
  headers: {
    messageId: 'msg-1',
    eventId: 'evt-1',
    eventType: 'user_add_org',
    eventCorpId: 'dingcorp',
    eventBornTime: '1764489600123',
    ...headers,
  },
  data: JSON.stringify(data),
});
const NOW = Date.parse('2026-11-30T08:00:00.000Z');

describe('Stream Mode ingest (lib/core/stream-mode-ingest.ts) against an in-memory store', () => {
  it('GIVEN an EVENT frame WHEN read THEN the stored event takes id, type, corp and time from the headers, the data byte for byte', () => {
    const f = frame({ userId: ['u1'] });
    expect(storedEventFromStreamFrame(f, 'dingappkey', NOW)).to.deep.equal({
      eventId: 'evt-1',
      eventType: 'user_add_org',
      receivedAt: '2026-11-30T08:00:00.000Z',
      ownerKey: 'dingappkey',
      payload: f.data,
      source: 'stream',
      corpId: 'dingcorp',
      eventTime: 1764489600123,
    });
  });

  it('GIVEN a once-only approval transition WHEN streamed and pushed THEN both copies have one identity', () => {
    const data = { processInstanceId: 'pi-1', type: 'finish', result: 'agree' };
    const streamed = storedEventFromStreamFrame(
      frame(data, { eventType: 'bpms_instance_change', eventId: 'stream-id' }),
      'dingappkey',
      NOW,
    );
    const pushed = parseEvent(
      JSON.stringify({ EventType: 'bpms_instance_change', ...data, eventId: 'push-id' }),
    );
    expect(streamed.eventId).to.equal('bpms_instance_change:pi-1:finish');
    expect(streamed.eventId).to.equal(pushed.eventId);
  });

  it('GIVEN a frame WHEN ingested twice THEN stored once, SUCCESS both times', async () => {
    const store = new InMemoryEventStore();
    const ingest = createStreamModeIngest({
      store,
      logger: new RecordingLogger(),
      appKey: 'k',
      now: () => NOW,
    });
    expect(await ingest(frame({ a: 1 }))).to.equal('SUCCESS');
    expect(await ingest(frame({ a: 1 }))).to.equal('SUCCESS');
    expect(store.events.size).to.equal(1);
  });

  it('GIVEN the store down WHEN a frame is ingested THEN LATER (DingTalk redelivers), nothing stored, the failure logged without the payload', async () => {
    const store = new InMemoryEventStore();
    const logger = new RecordingLogger();
    store.faults.failNext(1);
    const ingest = createStreamModeIngest({ store, logger, appKey: 'k', now: () => NOW });
    expect(await ingest(frame({ secret: 'remark-marker' }))).to.equal('LATER');
    expect(store.events.size).to.equal(0);
    expect(logger.records.find((r) => r.attributes.outcome === 'store_failed')?.level).to.equal('error');
    expect(logger.text()).not.to.contain('remark-marker');
  });

  it('GIVEN an EVENT whose data is not JSON WHEN stored THEN the payload is valid JSON that keeps the text whole, so listings and forwarded bodies stay valid (issue 20)', async () => {
    const f = { ...frame({}), data: 'plain <text> "quoted" 审批' };
    const event = storedEventFromStreamFrame(f, 'k', NOW);
    expect(JSON.parse(event.payload)).to.deep.equal({ unparsedData: 'plain <text> "quoted" 审批' });
    expect(() => JSON.parse(storedEventToJson(event))).not.to.throw();
    expect(event.eventId).to.equal('evt-1');
  });
});
