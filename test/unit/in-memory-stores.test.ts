import { deliveryStoreContract } from '../contract/delivery-store.contract';
import { eventStoreContract } from '../contract/event-store.contract';
import { parkingStoreContract } from '../contract/parking-store.contract';
import { recoveryJournalContract } from '../contract/recovery-journal.contract';
import { purgeContract } from '../contract/purge.contract';
import { suiteStateContract } from '../contract/suite-state.contract';
import {
  InMemoryApprovalStore,
  InMemoryDeliveryStore,
  InMemoryEventStore,
  InMemoryParkingStore,
  InMemoryRecoveryJournal,
  InMemorySuiteState,
} from '../support/in-memory-stores';

/** The in-memory fakes the core's unit tests use keep the same contracts as the real adapters. */
describe('in-memory store fakes (test/support/in-memory-stores.ts)', () => {
  eventStoreContract('in memory', async () => new InMemoryEventStore());
  deliveryStoreContract('in memory', async () => new InMemoryDeliveryStore());
  {
    const journal = new InMemoryRecoveryJournal();
    recoveryJournalContract(
      'in memory',
      async () => journal,
      async () => journal.notes,
    );
  }
  parkingStoreContract('in memory', async () => {
    const store = new InMemoryParkingStore();
    return {
      store,
      read: async (eventId) => {
        const entry = store.parked.get(eventId);
        if (!entry) return undefined;
        const { eventId: _id, ...row } = entry;
        return row;
      },
    };
  });
});

purgeContract('in memory', async () => {
  const events = new InMemoryEventStore();
  const deliveries = new InMemoryDeliveryStore();
  const approvals = new InMemoryApprovalStore();
  return { deps: { events, deliveries, approvals }, events, deliveries, approvals };
});

suiteStateContract('in memory', async () => new InMemorySuiteState());
