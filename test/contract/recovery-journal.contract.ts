import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import type { FailureNotes } from '../../lib/core/failed-list-asking';
import type { RecoveryJournal } from '../../lib/core/failed-push-recovery';

/**
 * The behaviour every RecoveryJournal adapter must have: a page saved is pending, exactly as received,
 * until it is done, and pages come back oldest first, however many rows a large page takes. The journal
 * table may hold other tests' pages: assertions look at this run's.
 */
export function recoveryJournalContract(
  name: string,
  open: () => Promise<RecoveryJournal>,
  /** The callbacks' writer of the failure note into the same table. */
  openNotes: () => Promise<FailureNotes>,
): void {
  describe(`RecoveryJournal contract: ${name}`, function () {
    this.timeout(60_000);
    let journal: RecoveryJournal;
    const run = randomUUID();
    const page = (n: string, extra = '') =>
      `{"errcode":0,"has_more":false,"failed_list":[{"call_back_tag":"test","run":"${run}","n":"${n}","taskId":9007199254740993,"text":"审批${extra}"}]}`;
    const ours = async () => (await journal.pending()).filter((p) => p.raw.includes(run));

    before(async () => {
      journal = await open();
    });

    it('GIVEN a writable journal WHEN probed THEN it resolves and leaves no page behind', async () => {
      await journal.probe();
      expect(await ours()).to.deep.equal([]);
    });

    it('GIVEN a saved page WHEN pending is read THEN it is there, byte for byte, until done', async () => {
      const raw = page('one');
      const saved = await journal.save(raw);
      expect(saved.raw).to.equal(raw);
      expect(saved.rowIds.length).to.be.greaterThan(0);
      const [pending] = await ours();
      expect(pending?.raw).to.equal(raw);
      expect(pending?.id).to.equal(saved.id);
      await journal.done(pending!);
      expect(await ours()).to.deep.equal([]);
    });

    it('GIVEN two pages saved one after the other WHEN pending is read THEN the older comes first', async () => {
      const first = await journal.save(page('first'));
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await journal.save(page('second'));
      expect((await ours()).map((p) => p.id)).to.deep.equal([first.id, second.id]);
      await journal.done(first);
      await journal.done(second);
    });

    it('GIVEN a page larger than one row WHEN saved THEN it spans rows and comes back whole', async () => {
      // Incompressible text: gzip cannot bring it under the adapters' part sizes.
      const raw = page('large', randomBytes(2_000_000).toString('base64'));
      const saved = await journal.save(raw);
      expect(saved.rowIds.length).to.be.greaterThan(1);
      const [pending] = await ours();
      expect(pending?.raw).to.equal(raw);
      await journal.done(saved);
      expect(await ours()).to.deep.equal([]);
    });

    it('GIVEN a lease held by one reader WHEN another asks THEN refused until it is released or expires; the holder may renew; pending is unaffected', async () => {
      const now = Date.now();
      const [one, two] = [`one-${run}`, `two-${run}`];
      expect(await journal.lease(one, now + 60_000)).to.equal(true);
      expect(await journal.lease(two, now + 60_000)).to.equal(false);
      expect(await journal.lease(one, now + 120_000)).to.equal(true);
      expect(await ours()).to.deep.equal([]);
      await journal.release(two); // not the holder: nothing changes
      expect(await journal.lease(two, now + 60_000)).to.equal(false);
      await journal.release(one);
      expect(await journal.lease(two, now - 1)).to.equal(true); // taken, already expired
      expect(await journal.lease(one, now + 60_000)).to.equal(true);
      await journal.release(one);
    });

    it('GIVEN an item set aside WHEN pending is read THEN it is not a page to finish (it stays in the journal for an operator)', async () => {
      await journal.setAside(`{"call_back_tag":"test","run":"${run}","n":"aside"}`, 'ValidationException');
      expect(await ours()).to.deep.equal([]);
    });

    it('GIVEN a callback’s failure note and a run’s asking record WHEN the state is read THEN both come back, and pending passes the rows by', async () => {
      const notes = await openNotes();
      const pagesBefore = (await journal.pending()).length;
      // Later than any note an earlier test's callback wrote (the DynamoDB note keeps the newest time).
      const at = Date.now() + 60_000;
      await notes.note(at);
      await journal.recordAsking({
        lastAskedAt: at - 60_000,
        pausedUntil: at + 600_000,
        pauseReason: 'rate',
      });
      expect(await journal.askingState()).to.deep.equal({
        lastFailureAt: at,
        lastAskedAt: at - 60_000,
        pausedUntil: at + 600_000,
        pauseReason: 'rate',
      });
      await journal.recordAsking({ lastAskedAt: at + 60_000 });
      expect(await journal.askingState()).to.deep.equal({ lastFailureAt: at, lastAskedAt: at + 60_000 });
      expect((await journal.pending()).length).to.equal(pagesBefore);
    });
  });
}
