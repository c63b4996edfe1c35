import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestError } from '../../lib/dingtalk/callback-errors';
import {
  ONCE_ONLY_TRANSITIONS,
  parseEvent,
  plaintextIdentity,
  UNKNOWN_EVENT_TYPE,
} from '../../lib/dingtalk/event-payload';

const EXAMPLES = join(__dirname, '../../examples/events');
const example = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8');

describe('parseEvent', () => {
  it('GIVEN every shipped example WHEN parsed THEN the type matches the file name and the plaintext is kept', () => {
    const files = readdirSync(EXAMPLES).filter((name) => name.endsWith('.json'));
    expect(files.length).to.be.greaterThan(10);
    for (const file of files) {
      const plaintext = example(file);
      const event = parseEvent(plaintext);
      expect(event.eventType, file).to.equal(file.split('.')[0]);
      expect(event.plaintext).to.equal(plaintext);
    }
  });

  it('GIVEN shape B WHEN parsed THEN corpId, eventTime and processInstanceId come from the envelope', () => {
    const event = parseEvent(example('bpms_instance_change.finish.shape-b.json'));
    expect(event).to.include({
      eventType: 'bpms_instance_change',
      eventId: 'bpms_instance_change:9Qgx5QqjR7axMwxxxx:finish',
      corpId: 'ding9f50b15bxxxx16741',
      eventTime: 1663143335567,
      processInstanceId: '9Qgx5QqjR7axMwxxxx',
      isControl: false,
    });
  });

  it('GIVEN shape A without an eventId WHEN parsed THEN the identity is the SHA-256 of the UTF-8 plaintext', () => {
    const plaintext = example('user_add_org.shape-a.json');
    const event = parseEvent(plaintext);
    const expected = createHash('sha256').update(Buffer.from(plaintext, 'utf8')).digest('hex');
    expect(event.eventId).to.equal(`sha256:${expected}`);
  });

  it('GIVEN approval events of either shape WHEN parsed THEN the identity names the instance/task transition', () => {
    const shapeA = parseEvent(example('bpms_instance_change.finish.shape-a.json'));
    expect(shapeA).to.include({
      eventId: 'bpms_instance_change:ad253df6-e175caf-68085c60ba8a:finish',
      corpId: 'ding2c015874d8175651',
      processInstanceId: 'ad253df6-e175caf-68085c60ba8a',
    });
    // Shape B carries an eventId, but the recovered copy of the same event does not: the transition wins.
    expect(parseEvent(example('bpms_task_change.finish.shape-b.json')).eventId).to.equal(
      'bpms_task_change:ce133dd0-5b22-9516-xxxxxxxxxxxx:811165:finish',
    );
    // Re-serialised (key order, spacing) it is still the same event.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(shapeA.payload).reverse()), null, 1);
    expect(parseEvent(reordered).eventId).to.equal(shapeA.eventId);
  });

  it('GIVEN a task id beyond 2^53 WHEN parsed THEN its identity keeps every digit', () => {
    const text = (taskId: string) =>
      `{"EventType":"bpms_task_change","processInstanceId":"p1","type":"start","taskId":${taskId}}`;
    expect(parseEvent(text('90071992547409931')).eventId).to.equal(
      'bpms_task_change:p1:90071992547409931:start',
    );
    expect(parseEvent(text('90071992547409931')).eventId).not.to.equal(
      parseEvent(text('90071992547409932')).eventId,
    );
  });

  it('GIVEN a shape-A plaintext as a retry resends it WHEN parsed THEN the identity is its SHA-256; one byte apart THEN another', () => {
    const plaintext = example('user_add_org.shape-a.json');
    const sha256 = (text: string) => 'sha256:' + createHash('sha256').update(text, 'utf8').digest('hex');
    expect(parseEvent(plaintext).eventId).to.equal(sha256(plaintext));
    expect(parseEvent(plaintext + ' ').eventId).to.equal(sha256(plaintext + ' '));
    expect(sha256(plaintext + ' ')).not.to.equal(sha256(plaintext));
  });

  it('GIVEN two task comments on the same instance and task, with different eventIds WHEN parsed THEN two identities (never merged)', () => {
    const comment = (eventId: string, remark: string) =>
      JSON.stringify({
        EventType: 'bpms_task_change',
        processInstanceId: 'pi-c',
        taskId: 811165,
        type: 'comment',
        remark,
        eventId,
      });
    expect(parseEvent(comment('ev-1', '同意，请尽快')).eventId).to.equal('ev-1');
    expect(parseEvent(comment('ev-2', '补充材料')).eventId).to.equal('ev-2');
  });

  for (const [eventType, type, taskId] of [
    ['bpms_task_change', 'redirect', 7],
    ['bpms_task_change', 'a_type_dingtalk_adds_later', 7],
    ['bpms_instance_change', 'comment', undefined],
    ['bpms_task_change', 'finish', undefined],
  ] as const) {
    it(`GIVEN ${eventType} type ${type}${taskId === undefined ? ' without a task id' : ''} WHEN parsed THEN keyed by eventId, else by content — not by transition`, () => {
      const payload = {
        EventType: eventType,
        processInstanceId: 'pi-x',
        type,
        ...(taskId ? { taskId } : {}),
      };
      expect(parseEvent(JSON.stringify({ ...payload, eventId: 'ev-9' })).eventId).to.equal('ev-9');
      const withoutId = JSON.stringify(payload);
      expect(parseEvent(withoutId).eventId).to.equal(plaintextIdentity(withoutId));
    });
  }

  it('GIVEN the once-only transitions WHEN listed THEN instance start/finish/terminate and task start/finish/cancel', () => {
    expect(
      Object.fromEntries(Object.entries(ONCE_ONLY_TRANSITIONS).map(([k, v]) => [k, [...v]])),
    ).to.deep.equal({
      bpms_instance_change: ['start', 'finish', 'terminate'],
      bpms_task_change: ['start', 'finish', 'cancel'],
    });
  });

  it('GIVEN shape A timestamps as string or number, in ms or s WHEN parsed THEN eventTime is epoch ms', () => {
    expect(parseEvent(example('user_modify_org.shape-a-string-timestamp.json')).eventTime).to.equal(
      1545536053900,
    );
    expect(parseEvent('{"EventType":"x","TimeStamp":1445827045}').eventTime).to.equal(1445827045000);
    expect(parseEvent('{"EventType":"x","TimeStamp":"soon"}').eventTime).to.equal(undefined);
  });

  it('GIVEN lower-camel eventType (shape B variant) WHEN parsed THEN it is recognised', () => {
    expect(parseEvent('{"eventType":"user_leave_org","eventId":"e1"}')).to.include({
      eventType: 'user_leave_org',
      eventId: 'e1',
    });
  });

  for (const type of ['check_url', 'check_create_suite_url', 'check_update_suite_url']) {
    it(`GIVEN ${type} WHEN parsed THEN it is a control event`, () => {
      expect(parseEvent(JSON.stringify({ EventType: type })).isControl).to.equal(true);
    });
  }

  it('GIVEN a type nobody has seen WHEN parsed THEN it is an ordinary, storable event', () => {
    const event = parseEvent('{"EventType":"brand_new_event_2027","foo":1}');
    expect(event).to.include({ eventType: 'brand_new_event_2027', isControl: false });
  });

  it('GIVEN an object without a type WHEN parsed THEN it is kept as "unknown" rather than lost', () => {
    const event = parseEvent('{"foo":"bar"}');
    expect(event.eventType).to.equal(UNKNOWN_EVENT_TYPE);
    expect(event.eventId).to.equal(plaintextIdentity('{"foo":"bar"}'));
  });

  it('GIVEN a 64-bit id beyond double precision WHEN parsed THEN the plaintext keeps it exactly', () => {
    const plaintext = '{"EventType":"bpms_task_change","taskId":9007199254740993}';
    expect(parseEvent(plaintext).plaintext).to.contain('9007199254740993');
  });

  for (const bad of ['', 'not json', '[1,2]', '"text"', '42', 'null', '{"EventType":']) {
    it(`GIVEN plaintext ${JSON.stringify(bad)} WHEN parsed THEN it is a bad request`, () => {
      expect(() => parseEvent(bad)).to.throw(BadRequestError);
    });
  }
});
