import { expect } from 'chai';
import { selectedEventIdPages } from '../../cli/event-selection';
import type { EventQuery } from '../../lib/core/stored-event';
import { InMemoryEventStore } from '../support/in-memory-stores';

describe('replay/reprocess --since walk the selection page by page (cli/event-selection.ts, in-memory store)', () => {
  it('GIVEN 1,234 events, 7 of them received in the same millisecond across a page boundary, WHEN walked in pages of 100 THEN each id comes exactly once and no page holds more than 100', async () => {
    const store = new InMemoryEventStore();
    const base = Date.parse('2026-11-01T00:00:00Z');
    for (let n = 0; n < 1234; n++) {
      // Events 130–136 share one instant: positions 1097–1103 from the newest, across the 11th page boundary.
      const at = n >= 130 && n <= 136 ? base + 130_000 : base + n * 1000;
      await store.put({
        eventId: `e-${n}`,
        eventType: 't',
        receivedAt: new Date(at).toISOString(),
        ownerKey: 'k',
        payload: '{}',
      });
    }
    const asked: EventQuery[] = [];
    const spied = { list: (query: EventQuery) => (asked.push(query), store.list(query)) };
    const seen: string[] = [];
    let largest = 0;
    for await (const page of selectedEventIdPages(
      { since: '2026-10-01T00:00:00Z', json: false },
      spied,
      100,
    )) {
      largest = Math.max(largest, page.length);
      seen.push(...page);
    }
    expect(seen).to.have.length(1234);
    expect(new Set(seen).size).to.equal(1234);
    expect(largest).to.be.at.most(100);
    expect(asked.every((query) => query.limit === 100)).to.equal(true);
  });
});
