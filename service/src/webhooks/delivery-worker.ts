import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import { webhookBody } from './delivery-payload.ts';
import { type DeliveryTryOutcome, type ClaimedDelivery, DeliveryStore } from './delivery-store.ts';
import { DELIVERIES_CHANNEL } from './fan-out.ts';
import { DEFAULT_RETRY_SCHEDULE, nextRetryDelay } from './retry-policy.ts';
import type { PrivateTargets } from './webhook-address.ts';
import { type SendOutcome, sendWebhook, WEBHOOK_TIMEOUT_MS } from './webhook-sender.ts';
import { failSpan, inSpan, setSpanFields, SpanKind } from '../tracing/spans.ts';
import { TASK_ID } from '../tracing/span-fields.ts';

export interface DeliveryWorkerOptions {
  db: Db;
  logger: Logger;
  /** KAGE_WEBHOOK_SECRET: signs callbacks registered without their own secret. */
  defaultSecret: string | undefined;
  /** Seconds before attempt i + 1; tests shorten it. */
  retrySchedule?: readonly number[];
  timeoutMs?: number;
  /** Deliveries attempted at once by this instance. */
  batchSize?: number;
  /** Of those, at most this many to one URL. */
  perEndpoint?: number;
  /** Whether loopback and private addresses may be targets (KAGE_WEBHOOK_PRIVATE_TARGETS). */
  privateTargets?: PrivateTargets;
  /**
   * Longest sleep between passes even when nothing is due: a safety net for a notification
   * lost while the listening connection was being re-established.
   */
  maxIdleSeconds?: number;
  /** Told each attempt's outcome (delivered, retry, failed, endpoint_gone) and how long it took, for /metrics. */
  onAttempt?: (outcome: string, seconds: number) => void;
}

/**
 * Sends pending webhook deliveries. Runs in every service instance; instances share the work
 * through row claims. Woken by NOTIFY when deliveries are created (sent on commit by the
 * transaction that created them, from any instance), and by a timer set to the next retry.
 */
export class DeliveryWorker {
  private readonly store: DeliveryStore;
  private readonly db: Db;
  private readonly logger: Logger;
  private readonly defaultSecret: string | undefined;
  private readonly schedule: readonly number[];
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly perEndpoint: number;
  private readonly privateTargets: PrivateTargets;
  private readonly maxIdleSeconds: number;
  private readonly stopping = new AbortController();
  private unlisten: Array<() => Promise<void>> = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wakeAgain = false;
  private poke: (() => void) | undefined;
  /** A wake() that came while the pass was not waiting: the next wait ends at once. */
  private poked = false;
  private warnedUnsigned = false;
  private readonly onAttempt: DeliveryWorkerOptions['onAttempt'];

  constructor(options: DeliveryWorkerOptions) {
    this.onAttempt = options.onAttempt;
    this.db = options.db;
    this.store = new DeliveryStore(options.db);
    this.logger = options.logger;
    this.defaultSecret = options.defaultSecret;
    this.schedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE;
    this.timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    this.batchSize = options.batchSize ?? 16;
    this.perEndpoint = options.perEndpoint ?? 4;
    this.privateTargets = options.privateTargets ?? 'allow';
    this.maxIdleSeconds = options.maxIdleSeconds ?? 60;
  }

  async start(): Promise<void> {
    this.unlisten.push(await this.db.listen(DELIVERIES_CHANNEL, () => this.wake(), () => this.wake()));
    this.wake();
  }

  /** Stops listening, interrupts attempts in flight (their claims are given back) and waits for the pass to end. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await Promise.all(this.unlisten.map((unlisten) => unlisten().catch(() => {})));
    this.unlisten = [];
    await this.running;
  }

  /** Runs a pass now, or right after the current one (and tells a pass that waits for a free place). */
  wake(): void {
    if (this.stopping.signal.aborted) return;
    if (this.running) {
      this.wakeAgain = true;
      if (this.poke) this.poke();
      else this.poked = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.runPasses().finally(() => {
      this.running = undefined;
      // A notification that arrived after the last claim query must not wait for the timer.
      if (this.wakeAgain) this.wake();
    });
  }

  private async runPasses(): Promise<void> {
    do {
      this.wakeAgain = false;
      try {
        await this.pass();
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.logger.error({ err: error }, 'webhook delivery pass failed; retrying later');
        this.sleep(5);
        return;
      }
    } while (this.wakeAgain && !this.stopping.signal.aborted);
    if (!this.stopping.signal.aborted) this.sleep(await this.store.secondsUntilNextDue().catch(() => 5));
  }

  /**
   * Attempts every due delivery, queue head by queue head, until none is due. Up to `batchSize`
   * attempts are in flight at once, at most `perEndpoint` of them to one URL, and a free place is
   * filled as soon as any attempt ends: a receiver that hangs holds its own places, not the others'.
   */
  private async pass(): Promise<void> {
    const leaseSeconds = this.timeoutMs / 1000 + 45;
    const inFlight = new Set<Promise<void>>();
    const perUrl = new Map<string, number>();
    while (!this.stopping.signal.aborted) {
      const room = this.batchSize - inFlight.size;
      const claimed = room > 0 ? await this.store.claimDue(room, leaseSeconds) : [];
      let started = 0;
      for (const delivery of claimed) {
        const busy = perUrl.get(delivery.url) ?? 0;
        if (busy >= this.perEndpoint) {
          await this.store.release(delivery);
          continue;
        }
        perUrl.set(delivery.url, busy + 1);
        started += 1;
        // One delivery's bookkeeping failing (its subscription deleted meanwhile) must not stop the others.
        const attempt: Promise<void> = this.attempt(delivery)
          .catch((error: unknown) =>
            this.logger.error({ err: error, deliveryId: delivery.id, taskId: delivery.taskId }, 'recording a webhook attempt failed'),
          )
          .finally(() => {
            inFlight.delete(attempt);
            perUrl.set(delivery.url, (perUrl.get(delivery.url) ?? 1) - 1);
          });
        inFlight.add(attempt);
      }
      if (inFlight.size === 0 && claimed.length === 0) return;
      // Nothing new could start: wait for a place (or a busy endpoint) to free up, or for new work.
      if (started === 0 || inFlight.size >= this.batchSize) await Promise.race([...inFlight, this.nextWake()]);
    }
    await Promise.all(inFlight);
  }

  /** Resolves at the next wake() (new deliveries) or at stop. */
  private nextWake(): Promise<void> {
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        this.poke = undefined;
        this.stopping.signal.removeEventListener('abort', done);
        resolve();
      };
      this.poke = done;
      this.stopping.signal.addEventListener('abort', done, { once: true });
    });
  }

  private sleep(seconds: number | undefined): void {
    const wait = Math.min(seconds ?? this.maxIdleSeconds, this.maxIdleSeconds);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), Math.ceil(wait * 1000));
    this.timer.unref();
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    if (delivery.callbackExpiresAt !== null && delivery.callbackExpiresAt.getTime() <= Date.now()) {
      await this.store.drop(delivery);
      return;
    }
    const secret = delivery.secret ?? this.defaultSecret ?? null;
    if (!secret && !this.warnedUnsigned) {
      this.warnedUnsigned = true;
      this.logger.warn('sending unsigned webhooks: a callback has no secret and KAGE_WEBHOOK_SECRET is not set');
    }
    const outcome = await this.send(delivery, secret);
    if (outcome.status === null && this.stopping.signal.aborted) {
      await this.store.release(delivery);
      return;
    }
    const verdict = this.verdict(delivery, outcome);
    await this.store.recordTry(
      delivery,
      { startedAt: outcome.startedAt, durationMs: outcome.durationMs, responseStatus: outcome.status, error: outcome.error },
      verdict,
    );
    this.onAttempt?.(verdict.kind, outcome.durationMs / 1000);
    const context = { deliveryId: delivery.id, taskId: delivery.taskId, seq: delivery.seq, url: delivery.url, attempt: delivery.attempt };
    if (verdict.kind === 'endpoint_gone') this.logger.warn({ ...context, status: outcome.status }, 'webhook endpoint is gone: disabled');
    else if (verdict.kind === 'failed') this.logger.warn({ ...context, error: outcome.error }, 'webhook delivery given up');
    else if (verdict.kind === 'retry') this.logger.info({ ...context, error: outcome.error, retryInSeconds: verdict.delaySeconds }, 'webhook attempt failed');
  }

  /**
   * One try, traced (tracing on) as an HTTP client span under the span that recorded the event;
   * the request carries its `traceparent`. The URL itself is left out: a resume URL holds a signature.
   */
  private async send(delivery: ClaimedDelivery, secret: string | null): Promise<SendOutcome> {
    const target = new URL(delivery.url);
    const fields = {
      [TASK_ID]: delivery.taskId,
      'kage.webhook.event': delivery.type,
      'kage.webhook.delivery_id': delivery.id,
      'http.request.method': 'POST',
      'http.request.resend_count': delivery.attempt > 1 ? delivery.attempt - 1 : undefined,
      'server.address': target.hostname,
      'server.port': Number(target.port) || (target.protocol === 'https:' ? 443 : 80),
      'url.scheme': target.protocol.replace(':', ''),
    };
    return await inSpan(
      `webhook ${delivery.type}`,
      fields,
      async (span) => {
        const outcome = await sendWebhook({ url: delivery.url, messageId: delivery.id, body: webhookBody(delivery), secret }, this.stopping.signal, this.timeoutMs, this.privateTargets);
        setSpanFields(span, { 'http.response.status_code': outcome.status });
        if (outcome.error) failSpan(span, outcome.error, outcome.status === null ? (outcome.refused ? 'refused' : 'no_response') : String(outcome.status));
        return outcome;
      },
      { kind: SpanKind.CLIENT, under: delivery.traceparent, detached: true },
    );
  }

  private verdict(delivery: ClaimedDelivery, outcome: SendOutcome): DeliveryTryOutcome {
    if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) return { kind: 'delivered' };
    if (outcome.refused) return { kind: 'failed' };
    if (outcome.status === 410) return { kind: 'endpoint_gone' };
    // A callback serves one wait (n8n's resume URL): 404 or 409 says that execution is not waiting any more.
    if (delivery.callbackId && (outcome.status === 404 || outcome.status === 409)) return { kind: 'endpoint_gone' };
    const delaySeconds = nextRetryDelay(this.schedule, delivery.attempt, outcome.retryAfterSeconds);
    return delaySeconds === undefined ? { kind: 'failed' } : { kind: 'retry', delaySeconds };
  }
}
