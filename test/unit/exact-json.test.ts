import { expect } from 'chai';
import type { ApprovalChange } from '../../lib/core/approval-projection';
import { approvalChangeFor } from '../../lib/core/approval-projection';
import { createStoredEventProcessor } from '../../lib/core/stored-event-processing';
import { parseEvent } from '../../lib/dingtalk/event-payload';
import { compactJson, parseExactJson, quoteUnsafeIntegers } from '../../lib/dingtalk/exact-json';
import { epochMillis } from '../../lib/dingtalk/values';
import { RecordingLogger } from '../support/recording-logger';

/** One exact JSON reading for every payload text, and one set of value coercers (lib/dingtalk). */
describe('exact JSON and value coercers (one of each, shared by identity, recovery and the projection)', () => {
  const taskEvent =
    '{"EventType":"bpms_task_change","processInstanceId":"pi-64","taskId":90071992547409931,' +
    '"type":"start","staffId":"u1","createTime":1663143335}';

  it('GIVEN integers beyond 2^53 WHEN read THEN they keep every digit as strings; safe ones stay numbers', () => {
    expect(
      parseExactJson('{"a":90071992547409931,"b":-90071992547409931,"c":12,"d":"90071992547409931"}'),
    ).to.deep.equal({
      a: '90071992547409931',
      b: '-90071992547409931',
      c: 12,
      d: '90071992547409931',
    });
    expect(JSON.parse('{"a":90071992547409931}')).to.deep.equal({ a: 90071992547409940 }); // what this avoids
  });

  it('GIVEN a task id beyond 2^53 WHEN parsed as an event THEN identity and payload carry its exact digits', () => {
    const event = parseEvent(taskEvent);
    expect(event.eventId).to.equal('bpms_task_change:pi-64:90071992547409931:start');
    expect(event.payload.taskId).to.equal('90071992547409931');
  });

  it('GIVEN a stored task event with a 64-bit task id WHEN processed THEN the projection is keyed by its exact digits', async () => {
    const applied: ApprovalChange[] = [];
    const process = createStoredEventProcessor({
      approvals: {
        apply: async (change) => void applied.push(change),
        get: async () => undefined,
        list: async () => [],
      },
      logger: new RecordingLogger(),
    });
    await process({
      eventId: 'e-64',
      eventType: 'bpms_task_change',
      receivedAt: '2026-11-27T00:00:00.000Z',
      ownerKey: 'ding1',
      payload: taskEvent,
    });
    expect(applied).to.have.length(1);
    expect(applied[0]!.task?.taskId).to.equal('90071992547409931');
  });

  it('GIVEN 10-digit (seconds) and 13-digit (ms) timestamps WHEN read by the projection or the envelope THEN both are epoch ms', () => {
    expect(epochMillis(1663143335)).to.equal(1663143335000);
    expect(epochMillis('1663143335567')).to.equal(1663143335567);
    expect(epochMillis('soon')).to.equal(undefined);
    const change = approvalChangeFor(
      'bpms_task_change',
      parseExactJson(taskEvent) as Record<string, unknown>,
      'e',
    );
    expect(change?.task?.fields.createTime).to.equal(1663143335000);
  });
});

describe('compactJson', () => {
  it('GIVEN pretty JSON with spaces and escaped quotes in strings WHEN compacted THEN only the whitespace between tokens goes', () => {
    expect(compactJson('{ "a" : "x y \\" z" ,\n\t"b": [ 1 , 9007199254740993 ] }')).to.equal(
      '{"a":"x y \\" z","b":[1,9007199254740993]}',
    );
  });
});

describe('quoteUnsafeIntegers', () => {
  it('GIVEN integers beyond 2^53 outside strings WHEN quoted THEN only those change', () => {
    expect(
      quoteUnsafeIntegers(
        '{"a":9007199254740993,"b":9007199254740991,"c":"9007199254740993 x","d":-9007199254740993,"e":1e400,"f":[12345678901234567890]}',
      ),
    ).to.equal(
      '{"a":"9007199254740993","b":9007199254740991,"c":"9007199254740993 x","d":"-9007199254740993","e":1e400,"f":["12345678901234567890"]}',
    );
    expect(quoteUnsafeIntegers('{"s":"a\\"9007199254740993"}')).to.equal('{"s":"a\\"9007199254740993"}');
  });
});
