/**
 * Webhook signatures: `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, the timestamp in
 * unix seconds. The signing side is used by the webhook sender; the verifying side documents (and
 * tests) what a receiver does.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The `x-patchhive-signature` value for this body sent at `timestamp` (unix seconds, as text). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** What a receiver checks: the signature header, and optionally that the timestamp is recent. */
export interface VerifyOptions {
  /** The receiver's clock in unix seconds; with it, a timestamp further off than the tolerance fails (replays). */
  nowSeconds?: number;
  /** Default 300 seconds. */
  toleranceSeconds?: number;
}

/** True when `signature` is the HMAC of this exact raw body and timestamp under `secret` (constant-time compare). */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
  opts: VerifyOptions = {},
): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  if (opts.nowSeconds !== undefined && Math.abs(opts.nowSeconds - Number(timestamp)) > (opts.toleranceSeconds ?? 300))
    return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
