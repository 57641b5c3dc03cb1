/**
 * Abuse limits at the HTTP edge: failed authentications per source address and per token id, and
 * enrollment attempts per enrollment token and per address. Over a budget the answer is 429 with
 * Retry-After (and the X-RateLimit-* headers) instead of 401.
 *
 * Why not the plugin's route hook: it counts every request before the handler runs, so an attack
 * from an address would also lock out a valid token presented from it. Only *failures* count
 * here: the plugin's programmatic limiters (`createRateLimit`) keep the counters and windows, and
 * the app's error handler increments them when a 401 is on its way out. A valid credential is
 * therefore never refused, whatever the counters say. The counters live in this process (one
 * server node). Enrollment attempts are counted before the handler, successful or not.
 *
 * Console sign-ins with a password are the exception to "a valid credential is never refused": a
 * password can be guessed, so once the failures of a user name (from anywhere) or of an address
 * are over their budget, every sign-in of that name or from that address is refused 429 before
 * its password is checked, until the window ends.
 */
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HTTP_STATUS, PatchhiveError } from '../../errors.js';
import { bearerOf } from '../auth/secrets.js';
import type { ServerConfig } from '../config.js';

export type AbuseLimitSettings = ServerConfig['rateLimit'];

/** Which extra budget a route's attempts are counted against (every attempt, not only failures). */
export type AttemptBudget = 'enrollment' | 'sign-in';

type ErrorHandler = (err: unknown, request: FastifyRequest, reply: FastifyReply) => void;
type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type LimitResult = Awaited<ReturnType<Limiter>>;

interface Limiters {
  failuresByAddress: Limiter;
  failuresByToken: Limiter;
  enrollmentsByToken: Limiter;
  enrollmentsByAddress: Limiter;
  signInFailuresByUser: Limiter;
  signInFailuresByAddress: Limiter;
}

/** The user name a sign-in body names (case-folded: the budget is per person, not per spelling). */
function signInUserOf(req: FastifyRequest): string | undefined {
  const body = req.body as { username?: unknown } | null | undefined;
  return typeof body?.username === 'string' ? body.username.normalize('NFKC').toLowerCase() : undefined;
}

/** The `<kind>_<id>` part of a bearer secret (never the secret part), or undefined. */
export function tokenPrefixOf(bearer: string | undefined): string | undefined {
  const m = /^(ph[kae])_([0-9a-f-]{36})_/.exec(bearer ?? '');
  return m ? `${m[1]}_${m[2]}` : undefined;
}

/** The credential a request presents: the bearer header, or an enrollment body's token. */
function presentedPrefix(req: FastifyRequest): string | undefined {
  const fromHeader = tokenPrefixOf(bearerOf(req.headers.authorization));
  if (fromHeader) return fromHeader;
  const body = req.body as { token?: unknown } | null | undefined;
  return typeof body?.token === 'string' ? tokenPrefixOf(body.token) : undefined;
}

/** True for the answers that mean "this credential is not good" (all 401s). */
export function isAuthenticationFailure(err: unknown): boolean {
  return err instanceof PatchhiveError && HTTP_STATUS[err.code] === 401;
}

/** The abuse limits of one app: registers the plugin; the app installs its hooks. */
export class AbuseLimits {
  private limiters: Limiters | undefined;
  private readonly signIns = new WeakSet<FastifyRequest>();

  constructor(
    private readonly app: FastifyInstance,
    private readonly settings: AbuseLimitSettings,
  ) {
    // global: false: no route gets the plugin's count-everything hook; the limiters below are used by hand.
    void app.register(fastifyRateLimit, { global: false });
  }

  /** A preHandler counting every attempt on a route against `budget` (429 when over it). */
  attemptHook(budget: AttemptBudget): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
    return async (request, reply) => {
      if (budget === 'sign-in') return this.screenSignIn(request, reply);
      const l = this.ready();
      const counted = [
        await l.enrollmentsByAddress(request),
        ...(presentedPrefix(request) ? [await l.enrollmentsByToken(request)] : []),
      ];
      refuseIfExceeded(reply, counted, 'too many enrollment attempts with this token or from this address');
    };
  }

  /**
   * Wraps the app's error handler: an authentication failure (any 401, wherever it was thrown) is
   * counted against its address and token id, and answered 429 instead once either is over budget.
   */
  screening(
    handle: ErrorHandler,
  ): (err: unknown, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
    return async (err, request, reply) => {
      let answer = err;
      if (isAuthenticationFailure(err)) {
        const l = this.ready();
        const counted = [
          await l.failuresByAddress(request),
          ...(presentedPrefix(request) ? [await l.failuresByToken(request)] : []),
        ];
        if (this.signIns.has(request)) {
          counted.push(await l.signInFailuresByAddress(request));
          if (signInUserOf(request) !== undefined) counted.push(await l.signInFailuresByUser(request));
        }
        try {
          refuseIfExceeded(reply, counted, 'too many failed authentications from this address or with this token');
        } catch (refusal) {
          answer = refusal;
        }
      }
      handle(answer, request, reply);
      return reply;
    };
  }

  /** Before a sign-in is checked: refused when its user name or address is over its failure budget (peeked, not counted). */
  private async screenSignIn(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    this.signIns.add(request);
    const l = this.ready();
    const peek = { increment: false };
    const counted = [
      await l.signInFailuresByAddress(request, peek),
      ...(signInUserOf(request) !== undefined ? [await l.signInFailuresByUser(request, peek)] : []),
    ];
    refuseIfExceeded(reply, counted, 'too many failed sign-ins for this user name or from this address');
  }

  // The plugin's decorator exists once the app is ready, before the first request.
  private ready(): Limiters {
    if (this.limiters) return this.limiters;
    const s = this.settings;
    const make = (name: string, max: number, key: (req: FastifyRequest) => string): Limiter =>
      this.app.createRateLimit({
        max,
        timeWindow: s.windowSeconds * 1000,
        keyGenerator: (req) => `${name}:${key(req)}`,
      });
    // IPv6 addresses count per /64, as the plugin does: one host usually holds the whole prefix.
    const address = (req: FastifyRequest) => normalizeIP(req.ip);
    const token = (req: FastifyRequest) => presentedPrefix(req) ?? '-';
    this.limiters = {
      failuresByAddress: make('auth-address', s.authFailuresPerAddress, address),
      failuresByToken: make('auth-token', s.authFailuresPerToken, token),
      enrollmentsByToken: make('enroll-token', s.enrollmentsPerToken, token),
      enrollmentsByAddress: make('enroll-address', s.enrollmentsPerAddress, address),
      signInFailuresByUser: make('sign-in-user', s.signInFailuresPerUser, (req) => signInUserOf(req) ?? '-'),
      signInFailuresByAddress: make('sign-in-address', s.signInFailuresPerAddress, address),
    };
    return this.limiters;
  }
}

/** Throws E_RATE_LIMITED with the standard headers when any counted budget is exceeded. */
function refuseIfExceeded(reply: FastifyReply, counted: LimitResult[], message: string): void {
  const exceeded = counted.filter((r): r is Extract<LimitResult, { isAllowed: false }> => !r.isAllowed && r.isExceeded);
  if (exceeded.length === 0) return;
  const worst = exceeded.reduce((a, b) => (b.ttlInSeconds > a.ttlInSeconds ? b : a));
  const retryAfter = Math.max(1, worst.ttlInSeconds);
  void reply
    .header('x-ratelimit-limit', worst.max)
    .header('x-ratelimit-remaining', 0)
    .header('x-ratelimit-reset', retryAfter)
    .header('retry-after', retryAfter);
  throw new PatchhiveError('E_RATE_LIMITED', `${message}; retry in ${retryAfter} s`);
}
