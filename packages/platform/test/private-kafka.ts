import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const LIBS = join(homedir(), '.cache/ginkgo-live/kafka-3.9.1/libs');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

/**
 * A single-node KRaft broker of a test's own (the shared test bed's broker must never be restarted), on free
 * loopback ports, from the jars the test bed installed. Stop and start it again to restart it on the same log.
 */
export class PrivateKafka {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'ginkgo-private-kafka-'));
  private constructor(
    readonly port: number,
    private readonly controllerPort: number,
  ) {}

  static async create(): Promise<PrivateKafka> {
    if (!existsSync(LIBS)) throw new Error(`Kafka jars not found in ${LIBS}: run \`make testbed-up\` first`);
    const k = new PrivateKafka(await freePort(), await freePort());
    mkdirSync(join(k.dir, 'logs'));
    const config = [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${k.controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${k.port},CONTROLLER://127.0.0.1:${k.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${k.port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(k.dir, 'logs')}`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
    ].join('\n');
    writeFileSync(join(k.dir, 'server.properties'), config);
    await k.java([
      'kafka.tools.StorageTool',
      'format',
      '-t',
      'gInKgOpRiVaTeKaFkA000A',
      '-c',
      join(k.dir, 'server.properties'),
      '--ignore-formatted',
    ]).exit;
    return k;
  }

  private java(args: string[]): { child: ChildProcess; exit: Promise<number | null> } {
    const child = spawn(
      'java',
      ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', '-Djava.awt.headless=true', '-cp', `${LIBS}/*`, ...args],
      {
        stdio: 'ignore',
      },
    );
    return { child, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
  }

  /** Starts the broker (unless it runs) and waits until it accepts connections. */
  async start(): Promise<void> {
    // A second broker on the same port and data would exit at once, while the port still answers: stop() would
    // then stop nothing.
    if (this.child && this.child.exitCode === null) return;
    this.child = this.java(['kafka.Kafka', join(this.dir, 'server.properties')]).child;
    for (let i = 0; i < 240; i++) {
      if (await portOpen(this.port)) return;
      if (this.child.exitCode !== null) throw new Error(`private Kafka broker exited with ${this.child.exitCode}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`private Kafka broker not listening on ${this.port} after 120 s`);
  }

  /** Stops the broker (SIGTERM, a clean shutdown as a restart does) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
