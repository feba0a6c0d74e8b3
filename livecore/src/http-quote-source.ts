import type { MarketDataMessage } from '@ginkgo/contracts';
import { InstrumentCode, PriceUpdate, decimalToMinor } from '@ginkgo/contracts';
import type { MarketDataSource } from './market-data-source.js';

/**
 * Polls a quote service that speaks the public Sina A-share format:
 *   GET <baseUrl>/list=sh600000,sz000001
 *   var hq_str_sh600000="NAME,open,prev_close,price,high,low,bid,ask,volume,amount,(10 book fields x2),date,time,status";
 * One line per code. A quote yields a tick when its date/time changed; volume is the change of the
 * cumulative day volume. Zero prices (no trade yet, or suspended) are skipped. A malformed line (bad
 * format, time or numbers) is reported through onBadAnswer and skipped; HTTP errors, timeouts and answers
 * without a single well-formed line make messages() throw, which is what failover reacts to.
 */
export class HttpQuoteSource implements MarketDataSource {
  readonly live = true;
  private closed = false;
  private wake?: () => void;
  private seq = 0;
  private readonly lastStamp = new Map<string, string>();
  private readonly lastVolume = new Map<string, number>();

  constructor(
    private readonly opts: {
      name?: string;
      baseUrl: string;
      codes: string[];
      market?: string;
      intervalMs?: number;
      timeoutMs?: number;
      onBadAnswer?: (problem: string) => void;
    },
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
    let wellFormed = 0;
    for (const line of lines) {
      try {
        const q = this.parseLine(line, bySymbol);
        wellFormed++;
        if (q) out.push(q);
      } catch (err) {
        this.opts.onBadAnswer?.(err instanceof Error ? err.message : String(err));
      }
    }
    if (wellFormed === 0)
      throw new Error(`quote source ${this.name}: no well-formed line in the answer ("${body.slice(0, 80)}")`);
    return out;
  }

  /** One line: a tick, undefined for a quote to skip (unknown, empty, unchanged), or a throw naming the problem. */
  private parseLine(line: string, bySymbol: Map<string, string>): PriceUpdate | undefined {
    const bad = (what: string) => new Error(`quote source ${this.name}: ${what} in line "${line.slice(0, 80)}"`);
    const m = /^var hq_str_([a-z]{2}\d{6})="([^"]*)";?\s*$/.exec(line.trim());
    if (!m) throw bad('unparseable line');
    const code = bySymbol.get(m[1] ?? '');
    const f = (m[2] ?? '').split(',');
    if (!code || f.length < 32) return undefined; // unknown symbol or empty quote (delisted / not yet traded)
    const decimal = (i: number, field: string) => {
      const v = Number(f[i] ?? '0');
      if (!Number.isFinite(v) || v < 0 || v > 1e9) throw bad(`${field} "${f[i]}" is not a price`);
      return decimalToMinor(v.toFixed(2));
    };
    const [open, prevClose, price, high, low] = [
      decimal(1, 'open'),
      decimal(2, 'prev_close'),
      decimal(3, 'price'),
      decimal(4, 'high'),
      decimal(5, 'low'),
    ];
    const stamp = `${f[30]} ${f[31]}`;
    if (!price || this.lastStamp.get(code) === stamp) return undefined;
    const ts = Date.parse(`${f[30]}T${f[31]}+08:00`);
    if (!Number.isFinite(ts) || ts < 0) throw bad(`time "${stamp}"`);
    const cumulative = Number(f[8] ?? 0);
    if (!Number.isSafeInteger(cumulative) || cumulative < 0) throw bad(`volume "${f[8]}"`);
    const volume = Math.max(0, cumulative - (this.lastVolume.get(code) ?? cumulative));
    const tick = PriceUpdate.parse({
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
    // Remembered only once the line proved good: a bad line does not hide the next good quote.
    this.lastStamp.set(code, stamp);
    this.lastVolume.set(code, cumulative);
    return tick;
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
export function sinaQuoteLine(q: {
  code: string;
  name?: string;
  open: string;
  prevClose: string;
  price: string;
  high: string;
  low: string;
  volume: number;
  date: string;
  time: string;
}): string {
  const book = Array.from({ length: 20 }, () => '0');
  const fields = [
    q.name ?? 'STOCK',
    q.open,
    q.prevClose,
    q.price,
    q.high,
    q.low,
    q.price,
    q.price,
    String(q.volume),
    '0',
    ...book,
    q.date,
    q.time,
    '00',
  ];
  return `var hq_str_${HttpQuoteSource.symbol(q.code)}="${fields.join(',')}";`;
}
