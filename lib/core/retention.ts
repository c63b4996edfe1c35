/**
 * How long each kind of stored data is kept, in days; 0 keeps it forever. The events are decrypted HR
 * and approval data (names, leave reasons, sometimes medical ones): PIPL Art. 19 asks that personal
 * information be kept no longer than its purpose needs. Defaults and their reasons: README "Retention".
 * - `eventsDays`: events (and the parts of a split payload), their delivery records and parked records;
 * - `approvalsDays`: an approval's projection, counted from its last change;
 * - `journalDays`: failed-push recovery rows (pages in flight, set-aside items, the asking rows).
 */
export interface Retention {
  eventsDays: number;
  approvalsDays: number;
  journalDays: number;
}

export const DEFAULT_RETENTION: Retention = { eventsDays: 90, approvalsDays: 365, journalDays: 30 };

/**
 * The shortest retention accepted: a delivery's retry schedule (about 28 h by default), DingTalk's
 * failed list (7 days) and an operator's week to act on an alarm all fit inside it.
 */
export const MIN_RETENTION_DAYS = 7;

const DAY_MS = 86_400_000;

/** Epoch seconds at which data written for `fromMs` expires; undefined when it is kept forever. */
export function expiresAtSeconds(fromMs: number, days: number): number | undefined {
  return days > 0 ? Math.floor((fromMs + days * DAY_MS) / 1000) : undefined;
}

/** Tablestore's table time to live in seconds (-1: forever). */
export function timeToLiveSeconds(days: number): number {
  return days > 0 ? days * 86_400 : -1;
}
