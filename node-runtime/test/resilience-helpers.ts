import { TcpProxy } from '@ginkgo/platform/testing';
import { env } from './helpers.js';

/** A TcpProxy in front of the test-bed server behind `url` (redis:// or mysql://), and the URL through it. */
export async function proxyFor(name: 'REDIS_URL' | 'MYSQL_URL'): Promise<{ proxy: TcpProxy; url: string }> {
  const real = new URL(env(name));
  const proxy = await TcpProxy.start({ targetHost: real.hostname, targetPort: Number(real.port) });
  const through = new URL(real.toString());
  through.host = `127.0.0.1:${proxy.port}`;
  return { proxy, url: through.toString() };
}

/** Value of one sample in a Prometheus text exposition (labels matched as a substring), or undefined. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith(' ') || rest.startsWith('{'))) continue;
    if (labels && !rest.includes(labels)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

export async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

export async function readyz(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
}
