import type { ApprovalStore } from './approval-projection';
import type { RecoveryJournal } from './failed-push-recovery';
import type { DeliveryStore } from './forwarding';
import type { Logger } from './logger';
import type { ErasableEvents, PurgeDependencies } from './purge';
import type { EventStore } from './stored-event';
import type { SuiteStateStore } from './suite-state';
import type { ParkingStore } from './table-change-batch';

/**
 * The stores the CLI and the Stream Mode connector use, by table name, on one client: each cloud's
 * composition root builds them (lib/aws/functions/stores.ts, lib/aliyun/functions/stores.ts).
 */
export interface OperatorStores {
  events(table: string): EventStore & ErasableEvents;
  approvals(table: string): ApprovalStore & PurgeDependencies['approvals'];
  deliveries(table: string): DeliveryStore & PurgeDependencies['deliveries'];
  journal(table: string, logger: Logger): RecoveryJournal;
  /** ISV suites' tickets and corp authorisations (SUITE_STATE_TABLE). */
  suites(table: string): SuiteStateStore;
  /** Alibaba Cloud only: AWS sends records that exhaust the stream's retries to an SQS queue instead. */
  parking?(table: string): ParkingStore;
  /** Closes the client's idle sockets. */
  close(): void;
}
