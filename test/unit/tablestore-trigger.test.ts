import { expect } from 'chai';
import { encode } from 'cbor-x';
import {
  decodeTablestoreRecords,
  decodeTablestoreTrigger,
  recordColumns,
} from '../../lib/aliyun/tablestore-trigger';

describe('Tablestore trigger payload (CBOR)', () => {
  const record = {
    Type: 'PutRow',
    Info: { Timestamp: 1700000000123456n },
    PrimaryKey: [{ ColumnName: 'eventId', Value: 'e1' }],
    Columns: [
      { Type: 'Put', ColumnName: 'eventType', Value: 'user_add_org', Timestamp: 1700000000123n },
      { Type: 'Put', ColumnName: 'receivedAt', Value: '2026-11-26T00:00:00.000Z', Timestamp: 1700000000123n },
      { Type: 'Put', ColumnName: 'ownerKey', Value: 'ding1', Timestamp: 1700000000123n },
      {
        Type: 'Put',
        ColumnName: 'payload',
        Value: '{"EventType":"user_add_org"}',
        Timestamp: 1700000000123n,
      },
      { Type: 'Put', ColumnName: 'eventTime', Value: 1663143335567n, Timestamp: 1700000000123n },
      { Type: 'Put', ColumnName: 'deptId', Value: 9007199254740993n, Timestamp: 1700000000123n },
      { Type: 'DeleteOneVersion', ColumnName: 'gone', Timestamp: 1700000000123n },
    ],
  };

  it('GIVEN 64-bit integers WHEN decoded THEN safe ones are numbers and the rest keep every digit', () => {
    const [decoded] = decodeTablestoreRecords(encode({ Version: 'Sync-v1', Records: [record] }));
    expect(recordColumns(decoded!)).to.deep.include({ eventTime: 1663143335567, deptId: '9007199254740993' });
    expect(recordColumns(decoded!)).not.to.have.property('gone');
  });

  it('GIVEN an events-table PutRow and a DeleteRow WHEN decoded THEN the StoredEvent it holds, and a skip', () => {
    const [entry, deleted] = decodeTablestoreTrigger(
      encode({ Version: 'Sync-v1', Records: [record, { ...record, Type: 'DeleteRow' }] }),
    );
    expect(deleted).to.deep.equal({ kind: 'skip' });
    expect(entry?.kind).to.equal('event');
    expect(entry?.kind === 'event' ? entry.event : undefined).to.deep.equal({
      eventId: 'e1',
      eventType: 'user_add_org',
      receivedAt: '2026-11-26T00:00:00.000Z',
      ownerKey: 'ding1',
      payload: '{"EventType":"user_add_org"}',
      eventTime: 1663143335567,
    });
  });

  it('GIVEN the PutRow of a listing entry (a `~time|…` row the consumer itself wrote) WHEN decoded THEN a skip, neither an event nor a malformed row to park', () => {
    const listing = {
      Type: 'PutRow',
      PrimaryKey: [{ ColumnName: 'eventId', Value: '~time|2026-11-26T00:00:00.000Z|e1' }],
      Columns: [{ Type: 'Put', ColumnName: 'eventId', Value: 'e1' }],
    };
    expect(decodeTablestoreTrigger(encode({ Version: 'Sync-v1', Records: [listing] }))).to.deep.equal([
      { kind: 'skip' },
    ]);
  });

  it('GIVEN JSON instead of CBOR, or CBOR without Records WHEN decoded THEN it is refused', () => {
    expect(() => decodeTablestoreTrigger(Buffer.from(JSON.stringify({ Records: [] })))).to.throw();
    expect(() => decodeTablestoreTrigger(encode({ Version: 'Sync-v1' }))).to.throw(
      'not a Tablestore trigger payload',
    );
  });
});
