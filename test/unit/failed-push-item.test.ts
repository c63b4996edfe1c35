import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEvent } from '../../lib/dingtalk/event-payload';
import { storedEventFromFailedItem } from '../../lib/core/failed-push-recovery';

const examples = join(__dirname, '..', '..', 'examples', 'events');

describe('storedEventFromFailedItem (failed-list item → stored event)', () => {
  it('GIVEN an approval item WHEN normalised THEN it has the identity a push of the same event has', () => {
    const pushed = parseEvent(
      readFileSync(join(examples, 'bpms_instance_change.finish.shape-b.json'), 'utf8'),
    );
    const {
      EventType: _type,
      EventTime: _time,
      CorpId: _corp,
      BizId: _biz,
      eventId: _id,
      ...data
    } = pushed.payload;
    const stored = storedEventFromFailedItem(
      {
        call_back_tag: 'bpms_instance_change',
        event_time: 1663143335567,
        bpms_instance_change: { bpmsCallBackData: data, corpid: 'ding9f50b15bxxxx16741' },
      },
      Date.UTC(2026, 10, 26),
    );
    expect(pushed.eventId).to.equal(`bpms_instance_change:${pushed.processInstanceId}:finish`);
    expect(stored).to.deep.include({
      eventId: `bpms_instance_change:${pushed.processInstanceId}:finish`,
      eventType: 'bpms_instance_change',
      corpId: 'ding9f50b15bxxxx16741',
      ownerKey: 'ding9f50b15bxxxx16741',
      processInstanceId: pushed.processInstanceId,
      eventTime: 1663143335567,
      source: 'recovery',
      receivedAt: '2026-11-26T00:00:00.000Z',
    });
  });

  it('GIVEN data under roleLabelChange, or as a JSON string under callbackData WHEN normalised THEN the data is the payload', () => {
    const role = storedEventFromFailedItem(
      {
        call_back_tag: 'label_user_change',
        label_user_change: { roleLabelChange: { action: 'add' }, corpid: 'c1' },
      },
      0,
    );
    expect(JSON.parse(role.payload)).to.deep.equal({
      action: 'add',
      EventType: 'label_user_change',
      corpId: 'c1',
    });
    const user = storedEventFromFailedItem(
      {
        call_back_tag: 'user_add_org',
        user_add_org: { callbackData: '{"UserId":["u1"],"TimeStamp":"1646113889363"}' },
      },
      0,
    );
    expect(user).to.include({ eventType: 'user_add_org', eventTime: 1646113889363 });
    expect(JSON.parse(user.payload)).to.deep.equal({
      UserId: ['u1'],
      TimeStamp: '1646113889363',
      EventType: 'user_add_org',
    });
  });

  it('GIVEN the same item twice WHEN normalised THEN the same identity; a different item THEN another', () => {
    const item = (user: string) => ({
      call_back_tag: 'user_leave_org',
      user_leave_org: { callbackData: { UserId: [user] } },
    });
    expect(storedEventFromFailedItem(item('u1'), 1).eventId).to.equal(
      storedEventFromFailedItem(item('u1'), 2).eventId,
    );
    expect(storedEventFromFailedItem(item('u1'), 1).eventId).not.to.equal(
      storedEventFromFailedItem(item('u2'), 1).eventId,
    );
  });

  for (const odd of [
    { call_back_tag: 'new_kind', new_kind: { somethingElse: 1 } },
    { no_tag: true },
    'text',
    null,
  ]) {
    it(`GIVEN an item of no known shape (${JSON.stringify(odd)}) WHEN normalised THEN it is kept whole`, () => {
      const stored = storedEventFromFailedItem(odd, 0);
      expect(stored.payload).to.equal(JSON.stringify(odd));
      expect(stored.eventId).to.match(/^sha256:[0-9a-f]{64}$/);
    });
  }
});
