import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * How a failed-push page is laid out in journal rows, whatever store holds them: gzip of the page's
 * text (a page of 200 items is mostly repeated keys), cut into parts that fit one row of the store.
 * Row ids sort by the time the page was saved, so pages replay oldest first.
 */
export interface JournalRow {
  rowId: string;
  page: string;
  part: number;
  parts: number;
  savedAt: string;
  body: Buffer;
}

/** A new page id: the save time, then a digest of the text (two saves of one page stay apart by time). */
export function newPageId(raw: string, nowMs: number): string {
  const digest = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return `${new Date(nowMs).toISOString()}-${digest}`;
}

export function journalRows(page: string, raw: string, nowMs: number, maxPartBytes: number): JournalRow[] {
  const body = gzipSync(Buffer.from(raw, 'utf8'));
  const parts = Math.max(1, Math.ceil(body.length / maxPartBytes));
  const savedAt = new Date(nowMs).toISOString();
  return Array.from({ length: parts }, (_, part) => ({
    rowId: `${page}#${part}`,
    page,
    part,
    parts,
    savedAt,
    body: body.subarray(part * maxPartBytes, (part + 1) * maxPartBytes),
  }));
}

/**
 * Whole pages from journal rows, oldest first. A page missing a part (a save cut off mid-way, on a
 * store without multi-row transactions) is not returned; `incomplete` names it for the logs.
 */
export function pagesFromRows(rows: readonly JournalRow[]): {
  pages: Array<{ id: string; raw: string; rowIds: string[] }>;
  incomplete: string[];
} {
  const byPage = new Map<string, JournalRow[]>();
  for (const row of rows) byPage.set(row.page, [...(byPage.get(row.page) ?? []), row]);
  const pages: Array<{ id: string; raw: string; rowIds: string[] }> = [];
  const incomplete: string[] = [];
  for (const [page, parts] of [...byPage.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    parts.sort((a, b) => a.part - b.part);
    const expected = parts[0]!.parts;
    if (parts.length !== expected || parts.some((row, i) => row.part !== i)) {
      incomplete.push(page);
      continue;
    }
    const raw = gunzipSync(Buffer.concat(parts.map((row) => row.body))).toString('utf8');
    pages.push({ id: page, raw, rowIds: parts.map((row) => row.rowId) });
  }
  return { pages, incomplete };
}
