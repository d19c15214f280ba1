/**
 * fauxqs in its own process, so its CPU is not charged to the orchestrator or a contestant and
 * on 2 cores the server and the contestant each get one. Speaks a tiny IPC protocol:
 * → { type: 'ready', address } once listening;
 * 'usage' → { type: 'usage', cpuSeconds } (after a GC), so the orchestrator can charge the
 * server's CPU to each run and start every run with the garbage of the previous fill collected;
 * 'stop' → exits. Also exits when the parent goes away.
 */
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
}

process.on('message', (message: unknown) => {
  if (message === 'stop') void stop();
  if (message === 'usage') {
    // Started with --expose-gc by the orchestrator; without it, just no collection.
    globalThis.gc?.();
    const cpu = process.cpuUsage();
    process.send?.({ type: 'usage', cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  }
});
// The parent died or closed the channel: do not linger as an orphan holding a port.
process.on('disconnect', () => void stop());

if (process.send) process.send({ type: 'ready', address: server.address });
else console.log(server.address);
