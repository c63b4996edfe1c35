import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { FallbackPlace } from '../lib/core/failed-push-recovery';

/**
 * The CLI's second durable place for failed-push pages: a local directory, used only when the store's
 * journal cannot take a page in time. Written to a temporary name, fsynced, then renamed: a page file
 * is either whole or absent. The next `recover` moves its pages into the journal first.
 */
export class DirectoryFallbackPlace implements FallbackPlace {
  readonly name: string;

  constructor(private readonly directory: string) {
    this.name = `directory ${directory}`;
  }

  async keep(raw: string): Promise<void> {
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
  }

  async take(): Promise<Array<{ raw: string; ack: () => Promise<void> }>> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const pages: Array<{ raw: string; ack: () => Promise<void> }> = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const file = join(this.directory, name);
      pages.push({ raw: await readFile(file, 'utf8'), ack: () => unlink(file) });
    }
    return pages;
  }
}
