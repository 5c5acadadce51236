import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cors from '@fastify/cors';
import { failure, type Failure } from '../domain/errors.ts';
import type { Result } from '../domain/result.ts';
import type { NetworkName } from '../storage/schema.ts';
import type { PurchaseAnswer } from '../services/purchases.ts';
import type { AuthThrottle } from '../services/auth-throttle.ts';
import { errorBody, statusOf } from './errors.ts';
import { parseForm } from './form.ts';
import { parseJsonObject } from './json-body.ts';

export interface HttpDeps {
  submitPurchase(network: NetworkName, raw: Record<string, unknown>): Promise<Result<PurchaseAnswer>>;
  health(): Promise<{ ok: boolean; details: Record<string, unknown> }>;
  throttle: AuthThrottle;
  bodyLimit: number;
  /** The proxies whose X-Forwarded-For is believed (addresses, CIDR ranges); empty: none. */
  trustProxy: readonly string[];
  /** Request logging: off, or at a level, to stdout or to the given stream. */
  logger?: false | { level: string; stream?: NodeJS.WritableStream };
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,100}$/;
const PURCHASE_PATHS = { '/new_purchase': 'main', '/test/new_purchase': 'test' } as const satisfies Record<string, NetworkName>;
/** Paths outside the purchase paths, with the methods they serve (HEAD comes with GET). */
const OTHER_PATHS: Readonly<Record<string, string>> = { '/health': 'GET, HEAD' };

/** The path of a URL without its query string, and without a trailing slash (served by the same handler). */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/**
 * What a request log line says of a request: never its query string, which a client may fill with credentials
 * (`GET /new_purchase?partner_key=…`), and never its headers or body.
 */
function requestForLog(req: { method: string; url: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: req.method, url: pathOf(req.url), remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/**
 * What a log line says of an error: its kind, message and stack, never its other properties. Node's HTTP parser
 * puts the bytes of a malformed request in `rawPacket` (credentials and all), which Fastify logs at trace level.
 */
function errorForLog(e: Error & { code?: unknown }): { type: string; message: string; stack: string; code?: unknown } {
  return { type: e.constructor?.name ?? 'Error', message: e.message, code: e.code, stack: e.stack ?? '' };
}

class BodyError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

function sendFailure(reply: FastifyReply, f: Failure): FastifyReply {
  return reply.code(statusOf(f.code)).type('application/json; charset=utf-8').send(errorBody(f));
}

/** bigint amounts leave as JSON integers; they are always below 2^53 (MAX_CAP is 9e15). */
function answerBody(answer: PurchaseAnswer): string {
  return `{"result":"ok","cashback_amount":${answer.cashback_amount.toString()},"unit":${JSON.stringify(answer.unit)}}`;
}

export async function buildHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  // Request ids need to be unique, not secret: a random prefix per app and a counter (no randomBytes per request).
  const idPrefix = `req_${randomBytes(4).toString('hex')}`;
  let idCounter = 0;
  const app = Fastify({
    logger: deps.logger ? { ...deps.logger, serializers: { req: requestForLog, err: errorForLog } } : false,
    bodyLimit: deps.bodyLimit,
    trustProxy: deps.trustProxy.length > 0 ? [...deps.trustProxy] : false,
    routerOptions: { ignoreTrailingSlash: true },
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : `${idPrefix}${(++idCounter).toString(36).padStart(8, '0')}`;
    },
  });

  await app.register(cors, { origin: '*', methods: ['POST', 'GET', 'OPTIONS'], maxAge: 86400 });

  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });

  // Bodies are taken as text and decoded here, so every malformed one gets the JSON error, never a framework page.
  app.removeAllContentTypeParsers();
  // JSON is read as the contract reads a form: the first of a repeated key wins, numbers keep their written text.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const parsed = parseJsonObject(body as string);
    if (parsed === null) return done(new BodyError(failure('body_invalid')), undefined);
    done(null, parsed);
  });
  // Form bodies, with or without a charset; text/plain and a missing type are read the same way.
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'text/plain', '*'], { parseAs: 'string' }, (req, body, done) => {
    const type = req.headers['content-type'] ?? '';
    if (/^multipart\//i.test(type)) return done(new BodyError(failure('body_invalid')), undefined);
    done(null, parseForm(body as string));
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error instanceof BodyError) return sendFailure(reply, error.failure);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendFailure(reply, failure('body_too_large'));
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendFailure(reply, failure('body_invalid', { detail: error.message }));
    }
    request.log.error({ err: error }, 'unexpected fault');
    return sendFailure(reply, failure('internal'));
  });

  // Fastify routes here every request whose path and method match no route: a purchase path keeps HTTP 200 with
  // `use POST`; another known path answers 405 with the methods it serves; anything else 404.
  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    if (Object.hasOwn(PURCHASE_PATHS, path)) return sendFailure(reply, failure('method_not_allowed'));
    const allow = Object.hasOwn(OTHER_PATHS, path) ? OTHER_PATHS[path] : undefined;
    if (allow !== undefined) return sendFailure(reply.header('Allow', allow), failure('wrong_method'));
    return sendFailure(reply, failure('not_found'));
  });

  const purchaseHandler = (network: NetworkName) => async (request: FastifyRequest, reply: FastifyReply) => {
    const client = request.ip;
    const raw = (request.body ?? {}) as Record<string, unknown>;
    // Counted per (client, partner name): a partner's key works whatever others sent from the same address.
    const partner = typeof raw.partner === 'string' ? raw.partner.trim() : '';
    if (deps.throttle.isBlocked(client, partner)) return sendFailure(reply, failure('rate_limited'));
    const result = await deps.submitPurchase(network, raw);
    if (!result.ok) {
      if (result.error.code === 'authentication_failed' && (await deps.throttle.recordFailure(client, partner))) {
        return sendFailure(reply, failure('rate_limited'));
      }
      if (result.error.detail) request.log.info({ code: result.error.code, detail: result.error.detail }, 'purchase refused');
      return sendFailure(reply, result.error);
    }
    return reply.code(200).type('application/json; charset=utf-8').send(answerBody(result.value));
  };
  // Every other method on these paths gets `use POST` from the not-found handler.
  for (const [path, network] of Object.entries(PURCHASE_PATHS)) app.post(path, purchaseHandler(network));

  app.get('/health', async (_request, reply) => {
    const { ok, details } = await deps.health();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', ...details });
  });

  return app;
}
