import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalPage, RecoveryJournal } from '../lib/core/failed-push-recovery';

/**
 * Failed-push pages on local disk until every item is stored: DingTalk deletes a page when the next
 * one is asked for, so a run that dies between the two must find the page here next time.
 * Written to a temporary name, fsynced, then renamed: a page file is either whole or absent.
 */
export class FileRecoveryJournal implements RecoveryJournal {
  constructor(private readonly directory: string) {}

  async pending(): Promise<JournalPage[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const pages: JournalPage[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      pages.push({ id: name, raw: await readFile(join(this.directory, name), 'utf8') });
    }
    return pages;
  }

  async save(raw: string): Promise<JournalPage> {
    await mkdir(this.directory, { recursive: true });
    const digest = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    const id = `${new Date().toISOString().replace(/[:.]/g, '-')}-${digest}.json`;
    const temporary = join(this.directory, `${id}.tmp`);
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(raw, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, join(this.directory, id));
    return { id, raw };
  }

  async done(page: JournalPage): Promise<void> {
    await unlink(join(this.directory, page.id));
  }
}
