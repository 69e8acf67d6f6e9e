// The fake Gemini server (and, when asked, a latency proxy in front of it) in a child process, so
// the client under test has the parent's event loop to itself. Driven over IPC by
// fork-fake-server.ts: the first message is the options; then `faults`, `stats`, `close`.
import { startFakeGemini, startLatencyProxy, type FakeGeminiOptions } from '@gempool/testing';

interface StartMessage {
  fake: FakeGeminiOptions;
  proxyRttMs?: number;
}

type ControlMessage = { type: 'faults'; faults: FakeGeminiOptions['faults']; id: number } | { type: 'stats' | 'reset-stats' | 'close'; id: number };

const send = (message: unknown): void => {
  process.send?.(message);
};

process.once('message', async (start: StartMessage) => {
  const fake = await startFakeGemini(start.fake);
  const proxy = start.proxyRttMs === undefined ? undefined : await startLatencyProxy({ target: fake.origin, rttMs: start.proxyRttMs });
  process.on('message', async (message: ControlMessage) => {
    if (message.type === 'faults') fake.setFaults(message.faults ?? []);
    if (message.type === 'reset-stats') fake.resetStats();
    if (message.type === 'close') {
      await proxy?.close();
      await fake.close();
      send({ id: message.id });
      process.disconnect();
      return;
    }
    send({ id: message.id, stats: message.type === 'stats' ? fake.stats() : undefined });
  });
  send({ ready: true, origin: fake.origin, proxyOrigin: proxy?.origin, ca: fake.ca === undefined ? undefined : String(fake.ca) });
});
