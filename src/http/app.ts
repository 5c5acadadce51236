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

export interface HttpDeps {
  submitPurchase(network: NetworkName, raw: Record<string, unknown>): Promise<Result<PurchaseAnswer>>;
  health(): Promise<{ ok: boolean; details: Record<string, unknown> }>;
  throttle: AuthThrottle;
  bodyLimit: number;
  /** The proxies whose X-Forwarded-For is believed (addresses, CIDR ranges); empty: none. */
  trustProxy: readonly string[];
  logger?: boolean | { level: string };
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,100}$/;

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
    logger: deps.logger ?? false,
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
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body as string);
    } catch {
      return done(new BodyError(failure('body_invalid')), undefined);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return done(new BodyError(failure('body_invalid')), undefined);
    }
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

  app.setNotFoundHandler((_request, reply) => sendFailure(reply, failure('not_found')));

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
  const useTheRightMethod = async (_request: FastifyRequest, reply: FastifyReply) => sendFailure(reply, failure('method_not_allowed'));

  for (const [path, network] of [
    ['/new_purchase', 'main'],
    ['/test/new_purchase', 'test'],
  ] as const) {
    app.post(path, purchaseHandler(network));
    app.get(path, useTheRightMethod);
  }

  app.get('/health', async (_request, reply) => {
    const { ok, details } = await deps.health();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', ...details });
  });

  return app;
}
