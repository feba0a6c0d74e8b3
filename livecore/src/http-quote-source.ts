import type { MarketDataMessage, PriceUpdate } from '@ginkgo/contracts';
import { InstrumentCode, decimalToMinor } from '@ginkgo/contracts';
import type { MarketDataSource } from './market-data-source.js';

/**
 * Polls a quote service that speaks the public Sina A-share format:
 *   GET <baseUrl>/list=sh600000,sz000001
 *   var hq_str_sh600000="NAME,open,prev_close,price,high,low,bid,ask,volume,amount,(10 book fields x2),date,time,status";
 * One line per code. A quote yields a tick when its date/time changed; volume is the change of the
 * cumulative day volume. Zero prices (no trade yet, or suspended) are skipped. HTTP errors, timeouts
 * and unparseable bodies make messages() throw, which is what failover reacts to.
 */
export class HttpQuoteSource implements MarketDataSource {
  readonly live = true;
  private closed = false;
  private wake?: () => void;
  private seq = 0;
  private readonly lastStamp = new Map<string, string>();
  private readonly lastVolume = new Map<string, number>();

  constructor(
    private readonly opts: { name?: string; baseUrl: string; codes: string[]; market?: string; intervalMs?: number; timeoutMs?: number },
  ) {
    for (const c of opts.codes) InstrumentCode.parse(c);
  }

  get name(): string {
    return this.opts.name ?? `http:${this.opts.baseUrl}`;
  }

  /** 600000.SH -> sh600000 */
  static symbol(code: string): string {
    const [num, ex] = code.split('.');
    return `${(ex ?? '').toLowerCase()}${num}`;
  }

  async poll(): Promise<MarketDataMessage[]> {
    const url = `${this.opts.baseUrl.replace(/\/$/, '')}/list=${this.opts.codes.map(HttpQuoteSource.symbol).join(',')}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 3000) });
    if (!res.ok) throw new Error(`quote source ${this.name}: HTTP ${res.status}`);
    return this.parse(await res.text());
  }

  parse(body: string): MarketDataMessage[] {
    const out: PriceUpdate[] = [];
    const bySymbol = new Map(this.opts.codes.map((c) => [HttpQuoteSource.symbol(c), c]));
    const lines = body.split('\n').filter((l) => l.trim());
    if (lines.length === 0) throw new Error(`quote source ${this.name}: empty response`);
    for (const line of lines) {
      const m = /^var hq_str_([a-z]{2}\d{6})="([^"]*)";?\s*$/.exec(line.trim());
      if (!m) throw new Error(`quote source ${this.name}: unparseable line "${line.slice(0, 80)}"`);
      const code = bySymbol.get(m[1] ?? '');
      const f = (m[2] ?? '').split(',');
      if (!code || f.length < 32) continue; // unknown symbol or empty quote (delisted / not yet traded)
      const [open, prevClose, price, high, low] = [f[1], f[2], f[3], f[4], f[5]].map((v) => decimalToMinor(Number(v ?? '0').toFixed(2)));
      const stamp = `${f[30]} ${f[31]}`;
      if (!price || this.lastStamp.get(code) === stamp) continue;
      const ts = Date.parse(`${f[30]}T${f[31]}+08:00`);
      if (!Number.isFinite(ts)) throw new Error(`quote source ${this.name}: bad time "${stamp}" for ${code}`);
      const cumulative = Number(f[8] ?? 0);
      const volume = Math.max(0, cumulative - (this.lastVolume.get(code) ?? cumulative));
      this.lastStamp.set(code, stamp);
      this.lastVolume.set(code, cumulative);
      out.push({
        type: 'price',
        eventId: `${this.name}:${code}:${ts}`,
        ts,
        seq: ++this.seq,
        market: this.opts.market ?? 'cn',
        code,
        kind: 'tick',
        price,
        volume,
        ...(open ? { open } : {}),
        ...(high ? { high } : {}),
        ...(low ? { low } : {}),
        ...(prevClose ? { prevClose } : {}),
      });
    }
    return out;
  }

  async *messages(): AsyncIterable<MarketDataMessage> {
    while (!this.closed) {
      for (const m of await this.poll()) yield m;
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, this.opts.intervalMs ?? 1000);
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
  }
}

/** One line of the Sina format, for local test servers and recorded responses. */
export function sinaQuoteLine(q: { code: string; name?: string; open: string; prevClose: string; price: string; high: string; low: string; volume: number; date: string; time: string }): string {
  const book = Array.from({ length: 20 }, () => '0');
  const fields = [q.name ?? 'STOCK', q.open, q.prevClose, q.price, q.high, q.low, q.price, q.price, String(q.volume), '0', ...book, q.date, q.time, '00'];
  return `var hq_str_${HttpQuoteSource.symbol(q.code)}="${fields.join(',')}";`;
}
