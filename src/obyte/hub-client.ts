import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { Joint, ParentsProps } from './types.ts';

/** The part of a logger the client needs; pino, console and the product's logger all fit. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** `refused`: the hub is on another network than the client expects (see HubClientOptions.network). */
export type HubErrorKind = 'response' | 'timeout' | 'disconnected' | 'closed' | 'refused';

/** Why a request did not get an answer: the hub's `{error}` text, or what happened to the connection. */
export class HubError extends Error {
  override readonly name = 'HubError';
  constructor(
    readonly kind: HubErrorKind,
    message: string,
  ) {
    super(message);
  }
}

// Hub answers that mean "the same unit may be accepted if posted again later" (ocore network.js and
// validation.js createTransientError), plus our own connection-level failures. ocore's other tps fee refusal,
// `tps_fee X + tps fees balance Y less than required Z for address A whose share is S`, is final: the unit's fee
// and the balance as of its last ball never change, so the payouts go into a fresh unit at the fee quoted then.
const TRANSIENT_PATTERNS: readonly RegExp[] = [
  /^unknown parents$/,
  /^tps fee on address \S+ must be at least /,
  /^timestamp is too far into the future$/,
  /^catching up/,
  /^already handling this unit$/,
  /^last ball just advanced, try again$/,
  /^unable to find parents/,
  /^timeout: /,
  /^disconnected: /,
];

export function isTransientHubError(message: string): boolean {
  return TRANSIENT_PATTERNS.some((pattern) => pattern.test(message));
}

export interface HubClientOptions {
  url: string;
  requestTimeoutMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Send a `heartbeat` after this much silence and drop the socket if it stays unanswered; 0 turns it off. */
  heartbeatMs?: number;
  /**
   * The network the client is for. The hub's `version` justsaying (the first thing an ocore hub says) must then
   * name a protocol version of that network and its alt, as ocore's network.js requires of a peer; until it does,
   * no request is sent, and a hub that names another network is refused: the socket is closed and every request
   * fails with kind 'refused' until a later connection finds the right network.
   */
  network?: { version: string; alt: string };
  logger?: Logger;
}

/** ocore's supported_versions: every version up to the current one, with the network's suffix ('t', 'dev' or none). */
function supportedVersions(current: string): string[] {
  const suffix = current.replace(/^\d+\.\d+/, '');
  return ['1.0', '2.0', '3.0', '4.0'].map((v) => v + suffix);
}

/** Why a hub's `version` body does not fit the network, or null when it does. */
export function versionMismatch(body: Record<string, unknown> | null, network: { version: string; alt: string }): string | null {
  const version = body?.protocol_version;
  const alt = body?.alt;
  if (typeof version !== 'string' || typeof alt !== 'string') return 'the hub did not say its protocol version and alt';
  if (alt !== network.alt || !supportedVersions(network.version).includes(version)) {
    return `the hub is on protocol ${version}, alt ${alt}; expected ${network.version}, alt ${network.alt}`;
  }
  return null;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface ParentsRequest {
  witnesses: string[];
  from_addresses: string[];
  output_addresses: string[];
  max_aa_responses?: number;
}

export interface PickCoinsRequest {
  addresses: string[];
  last_ball_mci: number;
  amount: number;
  spend_unconfirmed?: 'own' | 'none' | 'all';
  asset?: string;
}

/** ocore leaves out the amount of each picked input; `total_amount` is 0 when the funds are short. */
export interface PickedCoins {
  inputs_with_proofs: Array<{ input: { unit: string; message_index: number; output_index: number; address?: string } }>;
  total_amount: number;
}

export interface DefinitionForAddress {
  definition_chash: string;
  definition?: unknown;
  is_stable: boolean;
}

export interface HistoryRequest {
  witnesses: string[];
  addresses?: string[];
  requested_joints?: string[];
  known_stable_units?: string[];
  min_mci?: number;
}

/** Empty (`{}`) when nothing matches. The client trusts its hub, so proofs are passed through unchecked. */
export interface History {
  unstable_mc_joints?: Joint[];
  witness_change_and_definition_joints?: Joint[];
  joints?: Joint[];
  proofchain_balls?: unknown[];
  aa_responses?: unknown[];
}

export interface AssetBalance {
  stable: number;
  pending: number;
  stable_outputs_count?: number;
  pending_outputs_count?: number;
  total: number;
}

export type Balances = Record<string, Record<string, AssetBalance>>;

export interface DataFeedRequest {
  oracles: string[];
  feed_name: string;
  feed_value?: string | number;
  min_mci?: number;
  max_mci?: number;
  ifseveral?: 'last' | 'abort';
  what?: 'value' | 'unit';
  type?: 'auto' | 'string';
  ifnone?: string | number | boolean;
}

export type GetJointResponse = { joint: Joint } | { joint_not_found: string };

/** ocore storage.systemVars: each subject's values, newest vote first. */
export type SystemVars = Record<string, Array<{ vote_count_mci: number; value: unknown; is_emergency?: number }>>;

/** ocore storage.getSystemVar: the value in force at `mci` (voted at a lower mci), or null when none is. */
export function systemVarAt(vars: SystemVars, subject: string, mci: number): unknown {
  const values = vars[subject];
  if (!Array.isArray(values)) return null;
  const found = values.find((v) => mci > v.vote_count_mci);
  return found ? found.value : null;
}

type Frame =
  | ['request', { command: string; params?: unknown; tag: string }]
  | ['response', { tag: string; command?: string; response?: unknown }]
  | ['justsaying', { subject: string; body?: unknown }];

interface Pending {
  command: string;
  params: unknown;
  resolve: (value: unknown) => void;
  reject: (error: HubError) => void;
  timer: NodeJS.Timeout;
  sent: boolean;
}

const DEFAULTS = { requestTimeoutMs: 30_000, reconnectMinMs: 500, reconnectMaxMs: 30_000, heartbeatMs: 10_000 };

/**
 * A light client's connection to an Obyte hub. Requests wait (until their own timeout) while the
 * connection is down; after an unexpected close it reconnects with exponential backoff and jitter.
 * Events: 'connected', 'disconnected' (reason), 'refused' (why: the hub is on another network), 'justsaying' (subject, body).
 */
export class HubClient extends EventEmitter {
  private readonly opts: Required<Omit<HubClientOptions, 'logger' | 'network'>> & { logger: Logger | undefined };
  private readonly expected: { version: string; alt: string } | null;
  private ws: WebSocket | null = null;
  private started = false;
  private closing = false;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatSentAt = 0;
  private lastReceivedAt = 0;
  private readonly pending = new Map<string, Pending>();
  private readonly tagPrefix = randomBytes(9).toString('base64');
  private nextTag = 0;
  private openWaiters: Array<{ resolve: () => void; reject: (error: HubError) => void }> = [];
  private version: Record<string, unknown> | null = null;
  /** Set while the hub answers for another network than `opts.network`. */
  private refusal: string | null = null;
  /** The socket is open but the hub's version is not checked yet: nothing is sent meanwhile. */
  private handshaking = false;
  private handshakeTimer: NodeJS.Timeout | null = null;

  constructor(opts: HubClientOptions) {
    super();
    this.expected = opts.network ?? null;
    this.opts = {
      url: opts.url,
      requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      reconnectMinMs: opts.reconnectMinMs ?? DEFAULTS.reconnectMinMs,
      reconnectMaxMs: opts.reconnectMaxMs ?? DEFAULTS.reconnectMaxMs,
      heartbeatMs: opts.heartbeatMs ?? DEFAULTS.heartbeatMs,
      logger: opts.logger,
    };
  }

  /** The hub's own `version` justsaying (protocol_version, alt, library_version…), once received. */
  get hubVersion(): Record<string, unknown> | null {
    return this.version;
  }

  /** Open, and (when a network is expected) the hub has said it is on that network. */
  get connected(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && !this.handshaking;
  }

  /** Why the hub was refused (it is on another network), while it is; null otherwise. */
  get refused(): string | null {
    return this.refusal;
  }

  /**
   * Opens the connection. Rejects (kind 'disconnected') if this attempt fails, but the client keeps
   * reconnecting in the background until close(), so requests made meanwhile still get through.
   */
  connect(): Promise<void> {
    if (this.closing) return Promise.reject(new HubError('closed', 'closed: the client was closed'));
    if (this.connected) return Promise.resolve();
    const opened = new Promise<void>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    this.start();
    return opened;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopHeartbeat();
    for (const [tag, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(tag);
      p.reject(new HubError('closed', `closed: ${p.command} cancelled`));
    }
    this.settleOpenWaiters(new HubError('closed', 'closed: the client was closed'));
    const ws = this.ws;
    this.ws = null;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'client closing');
    });
  }

  request<T = unknown>(command: string, params?: unknown, opts: RequestOptions = {}): Promise<T> {
    if (this.closing) return Promise.reject(new HubError('closed', `closed: cannot send ${command}`));
    if (this.refusal !== null) return Promise.reject(new HubError('refused', `refused: ${this.refusal}`));
    this.start();
    const tag = `${this.tagPrefix}${(this.nextTag++).toString(36)}`;
    const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(tag);
        reject(new HubError('timeout', `timeout: no response to ${command} in ${timeoutMs} ms`));
      }, timeoutMs);
      const entry: Pending = { command, params, resolve: resolve as (v: unknown) => void, reject, timer, sent: false };
      this.pending.set(tag, entry);
      if (this.connected) this.sendRequest(tag, entry);
    });
  }

  getWitnesses(): Promise<string[]> {
    return this.request('get_witnesses');
  }

  getSystemVars(): Promise<SystemVars> {
    return this.request('get_system_vars');
  }

  getParentsAndLastBall(params: ParentsRequest): Promise<ParentsProps> {
    return this.request('light/get_parents_and_last_ball_and_witness_list_unit', params);
  }

  pickDivisibleCoinsForAmount(params: PickCoinsRequest): Promise<PickedCoins> {
    return this.request('light/pick_divisible_coins_for_amount', params);
  }

  getDefinitionForAddress(address: string): Promise<DefinitionForAddress> {
    return this.request('light/get_definition_for_address', { address });
  }

  /** Resolves 'accepted'; every refusal (including "known" for a unit the hub already has) rejects with kind 'response'. */
  postJoint(joint: Joint): Promise<'accepted'> {
    return this.request('post_joint', joint);
  }

  getJoint(unit: string): Promise<GetJointResponse> {
    return this.request('get_joint', unit);
  }

  getHistory(params: HistoryRequest): Promise<History> {
    return this.request('light/get_history', params);
  }

  getBalances(addresses: string[]): Promise<Balances> {
    return this.request('light/get_balances', addresses);
  }

  getDataFeed(params: DataFeedRequest): Promise<string | number | boolean> {
    return this.request('light/get_data_feed', params);
  }

  getExchangeRates(): Promise<Record<string, number>> {
    return this.request('hub/get_exchange_rates');
  }

  private start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.open();
  }

  private open(): void {
    this.reconnectTimer = null;
    const ws = new WebSocket(this.opts.url);
    this.ws = ws;
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.lastReceivedAt = Date.now();
      if (!this.expected) return this.onReady(ws);
      this.handshaking = true;
      // An ocore hub says its version as soon as a peer connects; one that stays silent is not taken as any network.
      this.handshakeTimer = setTimeout(() => {
        if (this.ws !== ws || !this.handshaking) return;
        this.opts.logger?.warn(`hub ${this.opts.url}: no version in ${this.opts.requestTimeoutMs} ms, dropping the connection`);
        ws.terminate();
      }, this.opts.requestTimeoutMs);
    });
    ws.on('message', (data) => {
      if (this.ws === ws) this.onMessage(data.toString());
    });
    ws.on('error', (error) => {
      this.opts.logger?.warn(`hub ${this.opts.url}: ${error.message}`);
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.onClose(`${code}${reason.length ? ` ${reason.toString()}` : ''}`);
    });
  }

  /** The connection is usable: requests go out. */
  private onReady(ws: WebSocket): void {
    this.attempt = 0;
    this.handshaking = false;
    this.refusal = null;
    this.opts.logger?.info(`hub ${this.opts.url}: connected`);
    for (const [tag, p] of this.pending) if (!p.sent) this.sendRequest(tag, p);
    this.startHeartbeat(ws);
    this.settleOpenWaiters(null);
    this.emit('connected');
  }

  /** Checks the hub's version against the expected network: ready if it fits, refused (and closed) if not. */
  private onHubVersion(ws: WebSocket, body: Record<string, unknown>): void {
    if (!this.handshaking || !this.expected) return;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    const mismatch = versionMismatch(body, this.expected);
    if (mismatch === null) return this.onReady(ws);
    this.refusal = mismatch;
    this.opts.logger?.warn(`hub ${this.opts.url}: refused: ${mismatch}`);
    const error = new HubError('refused', `refused: ${mismatch}`);
    for (const [tag, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(tag);
      p.reject(error);
    }
    this.settleOpenWaiters(error);
    this.emit('refused', mismatch);
    // as ocore closes a peer of another network; the next connection is checked again
    ws.close(1000, 'incompatible versions');
  }

  private onClose(reason: string): void {
    this.ws = null;
    this.handshaking = false;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.stopHeartbeat();
    for (const [tag, p] of this.pending) {
      if (!p.sent) continue;
      clearTimeout(p.timer);
      this.pending.delete(tag);
      p.reject(new HubError('disconnected', `disconnected: connection lost before the answer to ${p.command}`));
    }
    this.settleOpenWaiters(new HubError('disconnected', `disconnected: could not connect to ${this.opts.url} (${reason})`));
    this.opts.logger?.warn(`hub ${this.opts.url}: connection closed (${reason})`);
    this.emit('disconnected', reason);
    if (!this.closing) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const ceiling = Math.min(this.opts.reconnectMaxMs, this.opts.reconnectMinMs * 2 ** this.attempt);
    // half fixed, half random: spreads out many clients reconnecting to a restarted hub at once
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private settleOpenWaiters(error: HubError | null): void {
    const waiters = this.openWaiters;
    this.openWaiters = [];
    for (const w of waiters) error ? w.reject(error) : w.resolve();
  }

  private sendRequest(tag: string, p: Pending): void {
    const content: { command: string; params?: unknown; tag: string } = { command: p.command, tag };
    if (p.params !== undefined) content.params = p.params;
    p.sent = this.send(['request', content]);
  }

  private send(frame: Frame): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  private onMessage(text: string): void {
    this.lastReceivedAt = Date.now();
    this.heartbeatSentAt = 0;
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      this.opts.logger?.warn(`hub ${this.opts.url}: ignoring a message that is not JSON`);
      return;
    }
    if (!Array.isArray(frame) || frame.length !== 2 || typeof frame[1] !== 'object' || frame[1] === null) {
      this.opts.logger?.warn(`hub ${this.opts.url}: ignoring a malformed message`);
      return;
    }
    const [type, content] = frame as [unknown, Record<string, unknown>];
    if (type === 'response') this.onResponse(content);
    else if (type === 'request') this.onRequest(content);
    else if (type === 'justsaying') this.onJustsaying(content);
  }

  private onResponse(content: Record<string, unknown>): void {
    const tag = content.tag;
    if (typeof tag !== 'string') return;
    const p = this.pending.get(tag);
    if (!p) return; // already timed out, or the answer to one of our heartbeats
    clearTimeout(p.timer);
    this.pending.delete(tag);
    const response = content.response;
    if (typeof response === 'object' && response !== null && 'error' in response) {
      const error = (response as { error: unknown }).error;
      p.reject(new HubError('response', typeof error === 'string' ? error : JSON.stringify(error)));
    } else {
      p.resolve(response);
    }
  }

  private onRequest(content: Record<string, unknown>): void {
    const { command, tag } = content;
    if (typeof tag !== 'string' || typeof command !== 'string') return;
    if (command === 'heartbeat') {
      this.send(['response', { tag, command }]);
    } else if (command === 'subscribe') {
      // full nodes subscribe each peer to new units; a light client must decline
      this.send(['response', { tag, command, response: { error: "I'm light, cannot subscribe you to updates" } }]);
    } else {
      this.opts.logger?.warn(`hub ${this.opts.url}: ignoring request ${command}`);
    }
  }

  private onJustsaying(content: Record<string, unknown>): void {
    const subject = content.subject;
    if (typeof subject !== 'string') return;
    if (subject === 'version' && typeof content.body === 'object' && content.body !== null) {
      this.version = content.body as Record<string, unknown>;
      if (this.ws) this.onHubVersion(this.ws, this.version);
    }
    this.emit('justsaying', subject, content.body);
  }

  private startHeartbeat(ws: WebSocket): void {
    const interval = this.opts.heartbeatMs;
    if (interval <= 0) return;
    this.heartbeatSentAt = 0;
    this.heartbeatTimer = setInterval(() => {
      if (this.ws !== ws) return;
      const now = Date.now();
      if (this.heartbeatSentAt && now - this.heartbeatSentAt >= this.opts.requestTimeoutMs) {
        this.opts.logger?.warn(`hub ${this.opts.url}: no answer to heartbeat, dropping the connection`);
        ws.terminate();
        return;
      }
      if (!this.heartbeatSentAt && now - this.lastReceivedAt >= interval) {
        this.heartbeatSentAt = now;
        const tag = `${this.tagPrefix}hb${(this.nextTag++).toString(36)}`;
        this.send(['request', { command: 'heartbeat', tag }]);
      }
    }, Math.max(50, Math.floor(interval / 4)));
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.heartbeatSentAt = 0;
  }
}
