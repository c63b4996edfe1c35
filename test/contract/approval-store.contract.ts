import { expect } from 'chai';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { Approval, ApprovalChange, ApprovalState } from '../../lib/core/approval-projection';
import { approvalChangeFor, mergeApproval } from '../../lib/core/approval-projection';
import type { ApprovalStore } from '../../lib/core/approval-projection';
import type { ApprovalEvent } from '../support/approval-events';
import { approvalLifecycle, terminatedLifecycle } from '../support/approval-events';

function changes(events: ApprovalEvent[]): ApprovalChange[] {
  return events.map((event) => approvalChangeFor(event.eventType, event.payload, event.eventId)!);
}

function reference(events: ApprovalEvent[]): Approval {
  let state: ApprovalState | undefined;
  for (const change of changes(events)) state = mergeApproval(state, change);
  return state!.approval;
}

/**
 * Every ApprovalStore adapter must reach, with its own conditional writes, the state the pure fold
 * reaches — whatever the order, with replays, and when changes race each other.
 */
export function approvalStoreContract(name: string, open: () => Promise<ApprovalStore>): void {
  describe(`ApprovalStore contract: ${name}`, () => {
    let store: ApprovalStore;
    before(async () => {
      store = await open();
    });

    it('GIVEN 12 random orders of a lifecycle, with replays THEN each instance ends equal to the pure fold', async () => {
      const positions = approvalLifecycle('x').map((_, index) => index);
      const orders = fc.sample(
        fc.tuple(fc.shuffledSubarray(positions, { minLength: 8 }), fc.array(fc.nat(7), { maxLength: 4 })),
        { numRuns: 12, seed: 42 },
      );
      for (const [order, replays] of orders) {
        const id = `contract-${randomUUID()}`;
        const lifecycle = approvalLifecycle(id);
        const events = [...order, ...replays.map((i) => order[i]!)].map((position) => lifecycle[position]!);
        for (const change of changes(events)) await store.apply(change);
        expect(await store.get(id)).to.deep.equal(reference(events));
      }
    });

    it('GIVEN every change of a lifecycle applied concurrently, twice THEN the result equals the pure fold', async () => {
      const id = `race-${randomUUID()}`;
      const events = approvalLifecycle(id);
      await Promise.all([...changes(events), ...changes(events)].map((change) => store.apply(change)));
      expect(await store.get(id)).to.deep.equal(reference(events));
    });

    it('GIVEN terminate before start THEN TERMINATED, and the listing filters by status newest first', async () => {
      const id = `term-${randomUUID()}`;
      const events = terminatedLifecycle(id).reverse();
      for (const change of changes(events)) await store.apply(change);
      const approval = await store.get(id);
      expect(approval).to.deep.equal(reference(events));
      expect(approval?.status).to.equal('TERMINATED');
      const terminated = await store.list({ status: 'TERMINATED', limit: 1000 });
      expect(terminated.map((a) => a.processInstanceId)).to.include(id);
      expect(terminated.every((a) => a.status === 'TERMINATED')).to.equal(true);
      const all = await store.list({ limit: 1000 });
      const times = all.map((a) => a.createTime ?? 0);
      expect(times).to.deep.equal([...times].sort((a, b) => b - a));
    });

    it('GIVEN an unknown instance THEN nothing comes back', async () => {
      expect(await store.get(`missing-${randomUUID()}`)).to.equal(undefined);
    });
  });
}
