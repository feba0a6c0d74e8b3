import { Worker } from 'node:worker_threads';
import { setLogLevelEverywhere } from '../src/logger.js';

/** A worker thread with a logger of its own (from the built package, as a node's shard loads it). */
function threadWithLogger(): Promise<{ level: () => Promise<string>; stop: () => Promise<number> }> {
  const logger = new URL('../dist/logger.js', import.meta.url).href;
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${JSON.stringify(logger)}).then((m) => {
       const logger = m.createLogger('thread-test');
       parentPort.on('message', () => parentPort.postMessage(logger.level));
       parentPort.postMessage('ready');
     });`,
    { eval: true },
  );
  const next = () => new Promise<string>((r) => w.once('message', (m: string) => r(m)));
  return next().then(() => ({
    level: () => {
      const answer = next();
      w.postMessage('level?');
      return answer;
    },
    stop: () => w.terminate(),
  }));
}

describe('log level across threads', () => {
  afterAll(() => setLogLevelEverywhere('warn'));

  test('a runtime log-level change reaches the loggers of worker threads (a node shard logs at the new level)', async () => {
    const thread = await threadWithLogger();
    const before = await thread.level();
    const target = before === 'debug' ? 'error' : 'debug';
    setLogLevelEverywhere(target);
    // The change travels on its own channel: ask until the thread has it, or give up after 5 s.
    let level = await thread.level();
    for (let i = 0; i < 50 && level !== target; i++) {
      await new Promise((r) => setTimeout(r, 100));
      level = await thread.level();
    }
    expect({ before, after: level }).toEqual({ before, after: target });
    await thread.stop();
  });
});
