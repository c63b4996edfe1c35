import { expect } from 'chai';
import { initOnce } from '../../lib/startup/init-once';

describe('initOnce (cold-start work of the AWS handlers)', () => {
  it('GIVEN a successful init WHEN invoked many times THEN it ran once, started before the first call', async () => {
    let runs = 0;
    const ready = initOnce(async () => ++runs);
    expect(runs).to.equal(1);
    expect(await Promise.all([ready(), ready(), ready()])).to.deep.equal([1, 1, 1]);
    expect(runs).to.equal(1);
  });

  it('GIVEN an init that fails once WHEN invoked again THEN it is retried and then kept', async () => {
    let runs = 0;
    let unhandled = 0;
    const onUnhandled = () => unhandled++;
    process.on('unhandledRejection', onUnhandled);
    try {
      const ready = initOnce(async () => {
        runs++;
        if (runs === 1) throw new Error('SSM timed out');
        return 'ok';
      });
      const first = await ready().then(
        () => 'resolved',
        (error: Error) => error.message,
      );
      expect(first).to.equal('SSM timed out');
      expect(await ready()).to.equal('ok');
      expect(await ready()).to.equal('ok');
      expect(runs).to.equal(2);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.equal(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
