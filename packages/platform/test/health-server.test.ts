import net from 'node:net';
import { Registry } from 'prom-client';
import { PortInUseError, startHealthServer } from '../src/index.js';

test('S7.07 a port already in use is a clear startup error naming the port and the setting', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    const start = startHealthServer({
      port,
      host: '127.0.0.1',
      what: 'node-runtime health endpoint (HEALTH_PORT)',
      registry: new Registry(),
      checks: { live: () => true, ready: () => true },
    });
    await expect(start).rejects.toBeInstanceOf(PortInUseError);
    await expect(start).rejects.toThrow(`node-runtime health endpoint (HEALTH_PORT): port ${port} is already in use`);
  } finally {
    blocker.close();
  }
});

test('health endpoints answer /livez, /readyz (503 until ready) and /metrics', async () => {
  let ready = false;
  const h = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    what: 'test',
    registry: new Registry(),
    checks: { live: () => true, ready: () => ready },
  });
  try {
    const get = (p: string) => fetch(`http://127.0.0.1:${h.port}${p}`).then((r) => r.status);
    expect(await get('/livez')).toBe(200);
    expect(await get('/readyz')).toBe(503);
    ready = true;
    expect(await get('/readyz')).toBe(200);
    expect(await get('/metrics')).toBe(200);
  } finally {
    await h.close();
  }
});
