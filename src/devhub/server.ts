// The devhub's WebSocket side: ocore's framing and greeting, request bookkeeping (tags, heartbeats),
// `light/have_updates` for watched addresses, and the injected faults.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { WebSocketServer, WebSocket } from 'ws';
import { HASH_LENGTH } from '../obyte/constants.ts';
import type { Logger } from '../obyte/hub-client.ts';
import { handleCommand, NO_ANSWER, type CommandContext, type Peer } from './commands.ts';
import { FaultState } from './faults.ts';

export const LIBRARY_VERSION = '0.4.6';
const PROGRAM = 'obyte-cashback-devhub';
const PROGRAM_VERSION = '0.1.0';
const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

export interface ServerOptions {
  host: string;
  port: number;
  /** send a heartbeat request after this much silence from a peer (ocore: 10 s) */
  heartbeatMs: number;
  /** drop a peer that leaves a heartbeat unanswered this long (ocore: 60 s) */
  heartbeatTimeoutMs: number;
  /** the `system_vars` justsaying body */
  systemVars: () => unknown;
  logger?: Logger;
}

class PeerConnection implements Peer {
  readonly watched = new Set<string>();
  /** tags of requests still being answered: ocore ignores a repeated tag meanwhile */
  readonly inProgress = new Set<string>();
  private sentSystemVars = false;
  lastReceivedAt = Date.now();
  heartbeatSentAt = 0;
  private nextTag = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly systemVars: () => unknown,
  ) {}

  send(type: 'request' | 'response' | 'justsaying', content: Record<string, unknown>): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify([type, content]));
  }

  justsaying(subject: string, body?: unknown): void {
    this.send('justsaying', body === undefined ? { subject } : { subject, body });
  }

  request(command: string, params?: unknown): void {
    const tag = randomBytes(12).toString('base64') + (this.nextTag++).toString(36);
    this.send('request', params === undefined ? { command, tag } : { command, params, tag });
  }

  watch(addresses: readonly string[]): void {
    for (const a of addresses) this.watched.add(a);
  }

  sendSystemVarsOnce(): void {
    if (this.sentSystemVars) return;
    this.sentSystemVars = true;
    this.justsaying('system_vars', this.systemVars());
  }
}

export class HubServer {
  private readonly peers = new Set<PeerConnection>();
  private readonly heartbeatTimer: NodeJS.Timeout;

  private constructor(
    private readonly wss: WebSocketServer,
    private readonly ctx: CommandContext,
    private readonly opts: ServerOptions,
    readonly faults: FaultState,
  ) {
    faults.onDisconnectAll(() => this.disconnectAll());
    wss.on('connection', (ws) => this.onConnection(ws));
    ctx.node.on('units', (_event: string, _units: string[], addresses: Set<string>) => this.notifyWatchers(addresses));
    this.heartbeatTimer = setInterval(() => this.heartbeat(), Math.max(50, Math.floor(opts.heartbeatMs / 4)));
    this.heartbeatTimer.unref();
  }

  static async listen(ctx: CommandContext, opts: ServerOptions): Promise<HubServer> {
    const faults = new FaultState();
    const wss = new WebSocketServer({
      host: opts.host,
      port: opts.port,
      maxPayload: MAX_PAYLOAD_BYTES,
      verifyClient: (_info, accept) => (faults.takeConnectionDrop() ? accept(false, 503, 'dropped by fault injection') : accept(true)),
    });
    await Promise.race([
      once(wss, 'listening'),
      once(wss, 'error').then(([e]) => {
        throw e;
      }),
    ]);
    return new HubServer(wss, ctx, opts, faults);
  }

  get port(): number {
    return (this.wss.address() as { port: number }).port;
  }

  disconnectAll(): void {
    for (const peer of this.peers) peer.ws.terminate();
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    this.disconnectAll();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket): void {
    const peer = new PeerConnection(ws, this.opts.systemVars);
    this.peers.add(peer);
    ws.on('close', () => this.peers.delete(peer));
    ws.on('error', () => ws.terminate());
    ws.on('message', (data) => this.onMessage(peer, data.toString()));
    const params = this.ctx.node.params;
    peer.justsaying('version', {
      protocol_version: params.version,
      alt: params.alt,
      library: 'ocore',
      library_version: LIBRARY_VERSION,
      program: PROGRAM,
      program_version: PROGRAM_VERSION,
    });
    peer.justsaying('hub/challenge', randomBytes(30).toString('base64'));
    // a full node subscribes every peer to new units; light clients refuse
    peer.request('subscribe', {
      subscription_id: randomBytes(30).toString('base64'),
      last_mci: this.ctx.node.store.lastMci(),
      library_version: LIBRARY_VERSION,
    });
  }

  private onMessage(peer: PeerConnection, text: string): void {
    peer.lastReceivedAt = Date.now();
    peer.heartbeatSentAt = 0;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(message) || message.length !== 2 || typeof message[1] !== 'object' || message[1] === null) return;
    const [type, content] = message as [unknown, Record<string, unknown>];
    // responses (to our subscribe and heartbeats) and justsayings need nothing more than the liveness noted above
    if (type === 'request') this.onRequest(peer, content);
  }

  private onRequest(peer: PeerConnection, content: Record<string, unknown>): void {
    const { command, tag, params } = content;
    if (typeof command !== 'string' || command === '' || typeof tag !== 'string' || tag === '') return;
    if (tag.length > HASH_LENGTH) {
      peer.send('response', { tag, command, response: { error: 'tag too long' } });
      return;
    }
    if (peer.inProgress.has(tag)) return;
    if (command === 'heartbeat') {
      peer.send('response', { tag, command });
      return;
    }
    const fault = this.faults.takeRequestFault(command);
    if (fault?.kind === 'stall') {
      peer.inProgress.add(tag); // never released: repeats of this tag are ignored too, as by a busy ocore hub
      return;
    }
    if (fault?.kind === 'drop') {
      peer.ws.terminate();
      return;
    }
    peer.inProgress.add(tag);
    let answer: unknown;
    try {
      answer = fault?.kind === 'fail' ? { error: fault.error } : handleCommand(this.ctx, peer, command, params);
    } catch (e) {
      // a bug in the devhub: tell the client instead of leaving it waiting, and keep serving
      answer = { error: `devhub internal error: ${e instanceof Error ? e.message : String(e)}` };
      this.opts.logger?.warn(`devhub: ${command} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    if (answer === NO_ANSWER) {
      peer.inProgress.delete(tag);
      return;
    }
    const respond = () => {
      peer.inProgress.delete(tag);
      peer.send('response', answer === undefined ? { tag, command } : { tag, command, response: answer });
    };
    if (this.faults.delayMs > 0) setTimeout(respond, this.faults.delayMs);
    else respond();
  }

  private notifyWatchers(addresses: Set<string>): void {
    for (const peer of this.peers) {
      for (const address of peer.watched) {
        if (addresses.has(address)) {
          peer.justsaying('light/have_updates');
          break;
        }
      }
    }
  }

  private heartbeat(): void {
    const now = Date.now();
    for (const peer of this.peers) {
      if (peer.heartbeatSentAt && now - peer.heartbeatSentAt >= this.opts.heartbeatTimeoutMs) {
        peer.ws.terminate();
      } else if (!peer.heartbeatSentAt && now - peer.lastReceivedAt >= this.opts.heartbeatMs) {
        peer.heartbeatSentAt = now;
        peer.request('heartbeat');
      }
    }
  }
}
