/**
 * `patchhive serve` wiring: opens the store, loads the catalogs, builds the services and the HTTP
 * app, resumes unfinished assessments, starts the scheduler, and listens. One function so tests
 * start the same server the command does.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { openStore } from '../store/open.js';
import type { Store } from '../store/ports.js';
import { databaseUrl, type ServerConfig } from './config.js';
import { writeInitialAdminToken } from './admin-token.js';
import { hostDebianRelease } from './host-release.js';
import { applyTlsMaterial, readTlsMaterial, type TlsMaterial } from './tls.js';
import type { Server as TlsServer } from 'node:tls';
import { keyFingerprint } from '../protocol/server-key.js';
import { loadKeySet } from './key-set-file.js';
import { KeyService } from './services/keys.js';
import { Metrics } from './metrics.js';
import { Scheduler } from './scheduler.js';
import { AssessmentService } from './assessment/assessment-service.js';
import { CatalogState } from './assessment/catalog-state.js';
import { AuditService } from './audit/audit-service.js';
import { buildApp } from './http/app.js';
import { apiRoutes } from './http/routes.js';
import { cookieNameOf, sessionCookieSecret, startSessionFor } from './http/session-web.js';
import { SessionService } from './services/sessions.js';
import { UserService } from './services/users.js';
import { scryptParams } from './auth/passwords.js';
import { AgentService } from './services/agents.js';
import { GroupService } from './services/groups.js';
import type { Services } from './services/index.js';
import { MachineService } from './services/machines.js';
import { QueryService } from './services/queries.js';
import { BulletinViewService } from './services/bulletin-views.js';
import { TriageQueueService } from './services/triage-queue.js';
import { ReportViewService } from './services/report-views.js';
import { SourceService } from './services/sources.js';
import { TodayService } from './services/today.js';
import { TokenService } from './services/tokens.js';
import { TouchBuffer } from './services/touch-buffer.js';
import { AlertService } from './services/alerts.js';
import { ApprovalRuleService } from './services/approval-rules.js';
import { ChannelService } from './services/channels.js';
import { ExceptionService } from './services/exceptions.js';
import { ReportService } from './services/reports.js';
import { TriageService } from './services/triage.js';
import { VerdictService } from './services/verdicts.js';
import { WorkService } from './services/work.js';
import { RolloutService } from './services/rollout/service.js';
import { ActionService } from './services/actions.js';
import { ChangeRequests } from './services/changes.js';
import { ControlService } from './services/controls.js';
import { Notifier } from './notify/notifier.js';
import { readSmtpPassword } from './notify/email-sender.js';
import { DEFAULT_DEADLINE_POLICY, resolveDeadlinePolicy } from '../policy/deadlines.js';
import { feedDispatcher } from './sync/dispatcher.js';
import { SourceSyncer } from './sync/source-syncer.js';
import { SignInMethodsService } from './services/sign-in-methods.js';
import { createOidcService } from './oidc/oidc-setup.js';
import { OIDC_LOGIN_PATH, type OidcSessionStarter } from './http/oidc-routes.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  services: Services;
  assessment: AssessmentService;
  notifier: Notifier;
  alerts: AlertService;
  catalogs: CatalogState;
  scheduler: Scheduler;
  /** http://host:port (https:// with TLS) once listening. */
  url: string;
  /** The job-signing key's fingerprint ("SHA256:..."), the one agents pin at enrollment. */
  keyFingerprint: string;
  /** Re-reads the TLS certificate and key (SIGHUP); false when TLS is off or the new files are refused (the old ones stay). */
  reloadTls(): Promise<boolean>;
  /** The initial admin token when this start created it (first start only). */
  bootstrapToken: string | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  now?: () => Date;
  logger?: Logger;
  version?: string;
  /** Build everything but do not listen (in-process tests with app.inject). */
  listen?: boolean;
  /** Called with the app before it is ready, e.g. for a test's hooks. */
  configureApp?: (app: FastifyInstance) => void;
  /** The host's Debian release (default: read from /etc/os-release; null: not Debian). */
  serverRelease?: string | null;
  /** Starts the session of a single sign-on (default: none, and such sign-ins fail with E_OIDC_SERVER_FAILED). */
  oidcSessions?: OidcSessionStarter;
}

/** Starts a server from a loaded config. */
export async function startServer(cfg: ServerConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const now = opts.now ?? (() => new Date());
  const logger =
    opts.logger ??
    pino({ level: cfg.logLevel, redact: ['req.headers.authorization', '*.credential', '*.secret', '*.token'] });
  await mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(databaseUrl(cfg));
  await store.migrate();
  const keys = new KeyService(await loadKeySet(cfg.dataDir, now().toISOString()), cfg.dataDir, store, now, logger, {
    retireAfterHours: cfg.keys.retireAfterHours,
  });
  const fingerprint = keyFingerprint(keys.activePublicKeyPem());
  logger.info({ fingerprint }, `job-signing key fingerprint: ${fingerprint}`);
  const tls = cfg.tls ? await loadTls(cfg.tls, logger) : undefined;
  const metrics = new Metrics({ staleAgents: async () => (await store.agents.listStale()).length });
  const touches = new TouchBuffer(store);
  const catalogs = new CatalogState();
  let triage: TriageService | undefined;
  let rollout: RolloutService | undefined;
  const assessment = new AssessmentService(store, catalogs, now, logger, {
    onAssessed: (s) => metrics.assessed(s),
    onOpened: async (machineId, bulletinIds) => void (await triage?.enqueueForMachine(machineId, bulletinIds)),
    onMachineAssessed: async (machineId) => void (await rollout?.validateMachine(machineId)),
  });
  const tokens = new TokenService(store, now, touches);
  const machines = new MachineService(
    store,
    assessment,
    now,
    async (id) => triage?.enqueueOpenOf([id]),
    cfg.console.staleAfterHours,
  );
  let scheduler: Scheduler | undefined;
  const reloadSchedules = () =>
    void scheduler?.reload().catch((err) => logger.error({ err }, 'schedule reload failed'));
  const groups = new GroupService(store, machines, assessment, now, reloadSchedules, async (ids) =>
    triage?.enqueueOpenOf(ids),
  );
  const syncer = new SourceSyncer({
    sources: store.sources,
    bulletins: store.bulletins,
    dataDir: path.join(cfg.dataDir),
    dispatcher: feedDispatcher(cfg.proxy ? { url: cfg.proxy } : {}),
    now,
    newId: () => randomUUID(),
    fetchOptions: { timeoutMs: cfg.feedTimeoutSeconds * 1000, retries: cfg.feedRetries, maxBytes: cfg.feedMaxBytes },
  });
  const defaultPolicy = resolveDeadlinePolicy(DEFAULT_DEADLINE_POLICY, cfg.deadlines);
  const verdicts = new VerdictService(store, groups, defaultPolicy, now);
  triage = new TriageService(store, groups, catalogs, now, logger);
  const notifier = new Notifier({
    store: store.notifications,
    config: cfg.notify,
    logger,
    now,
    smtpPassword: await smtpPassword(cfg, logger),
    dispatcher: feedDispatcher(cfg.proxy ? { url: cfg.proxy } : {}),
  });
  const alerts = new AlertService(store, groups, verdicts, notifier, now, logger);
  const sources = new SourceService(
    store,
    syncer,
    catalogs,
    assessment,
    now,
    {
      onSync: async (source, record) => {
        metrics.synced(source.name, record.result);
        await alerts
          .catalogChanged(source, record)
          .catch((err) => logger.error({ err }, 'queueing catalog notifications failed'));
      },
      onScheduleChange: reloadSchedules,
    },
    opts.serverRelease === undefined ? await hostDebianRelease() : (opts.serverRelease ?? undefined),
  );
  const changes = new ChangeRequests(store, now);
  const actions = new ActionService(store, changes, now);
  const rules = new ApprovalRuleService(store, groups, now);
  const rolloutService = new RolloutService({
    actions,
    store,
    groups,
    machines,
    verdicts,
    catalogs,
    now,
    log: logger,
    jobSigner: keys,
    settings: { jobLifetimeHours: cfg.rollout.jobLifetimeHours, defaultRebootPolicy: cfg.rollout.defaultRebootPolicy },
  });
  rollout = rolloutService;
  const agents = new AgentService(store, tokens, machines, assessment, catalogs, touches, now, {
    checkinIntervalSeconds: cfg.checkinIntervalSeconds,
    keys,
    onCheckin: (kind) => metrics.checkin(kind),
    rollout: rolloutService,
  });
  const audit = new AuditService(store, now);
  const sessions = new SessionService(store, tokens, now, {
    cookieName: cookieNameOf(tls !== undefined),
    idleMs: cfg.sessions.idleMinutes * 60_000,
    absoluteMs: cfg.sessions.absoluteHours * 3_600_000,
    scrypt: scryptParams(cfg.sessions.scryptLog2N),
  });
  const queries = new QueryService(store, machines, groups, verdicts);
  const reports = new ReportService(store, groups, verdicts, now, cfg.chromiumPath);
  const services: Services = {
    machines,
    groups,
    queries,
    sources,
    tokens,
    agents,
    triage,
    rules,
    exceptions: new ExceptionService(store, machines, groups, now),
    work: new WorkService(store, machines, verdicts),
    channels: new ChannelService(store, groups, notifier, now),
    reports,
    rollout: rolloutService,
    audit,
    keys,
    actions,
    controls: new ControlService(changes, groups, rules, actions),
    sessions,
    users: new UserService(store, tokens, sessions, now),
    today: new TodayService({ store, machines, triage, reports, rollout: rolloutService, sources, now }),
    bulletinViews: new BulletinViewService(store, groups, queries, verdicts, catalogs, now),
    triageQueue: new TriageQueueService(store, groups, triage, defaultPolicy),
    reportViews: new ReportViewService(store, groups, reports, now, cfg.chromiumPath),
    signIn: new SignInMethodsService({
      password: true,
      token: true,
      oidc: cfg.oidc ? { label: cfg.oidc.buttonLabel, loginUrl: OIDC_LOGIN_PATH } : null,
    }),
  };
  const oidc = cfg.oidc ? await createOidcService({ ...cfg, oidc: cfg.oidc }, store, now, logger) : undefined;

  await sources.ensureConfigured(cfg.sources);
  await sources.loadAll((msg) => logger.warn(msg));
  const bootstrapToken = await tokens.bootstrapAdmin(cfg.initialAdminTokenHours);
  if (bootstrapToken) {
    const file = await writeInitialAdminToken(cfg, bootstrapToken);
    logger.warn(
      { file, expiresInHours: cfg.initialAdminTokenHours },
      'first start: the initial admin API token was written to this file (mode 0600); it expires: create named admin tokens with it',
    );
  }
  const resumed = await assessment.resumePending();
  if (resumed > 0) logger.info({ machines: resumed }, 'resuming assessments left unfinished');

  const sweep = triage;
  scheduler = new Scheduler(
    store,
    {
      syncSource: (id) => sources.sync(id),
      rescanGroup: (id) => groups.rescan(id),
      fixed: [
        { name: 'triage sweep', schedule: cfg.triageSweepSchedule, run: () => sweep.sweep() },
        { name: 'due-soon and overdue reminders', schedule: cfg.notify.dueSoonSchedule, run: () => alerts.remindDue() },
        { name: 'owner digests', schedule: cfg.notify.digestSchedule, run: () => alerts.digests() },
      ],
      every: [
        { name: 'rollout tick', seconds: cfg.rollout.tickSeconds, run: () => rolloutService.tick() },
        { name: 'job-signing key retirement', seconds: cfg.keys.checkSeconds, run: () => keys.retireIfDone() },
        { name: 'ended sessions cleanup', seconds: 3600, run: () => sessions.deleteEnded() },
      ],
    },
    logger,
  );
  await scheduler.reload();
  notifier.start();
  const flushTimer = setInterval(
    () => void touches.flush().catch((err) => logger.error({ err }, 'last-seen flush failed')),
    5000,
  );
  flushTimer.unref();

  const app = buildApp({
    routes: apiRoutes(services, now),
    tokens,
    metrics,
    logger,
    bodyLimitBytes: cfg.bodyLimitBytes,
    metricsPublic: cfg.metricsPublic,
    rateLimit: cfg.rateLimit,
    version: opts.version ?? '0',
    ...(cfg.audit.enabled ? { audit: { recorder: audit, hashOnlyCheckins: cfg.audit.hashOnlyCheckins } } : {}),
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
    ...(cfg.console.enabled ? { console: cfg.console.dir ? { dir: cfg.console.dir } : {} } : {}),
    sessions: { service: sessions, secret: await sessionCookieSecret(store, now), secure: tls !== undefined },
    ...(oidc ? { oidc: { service: oidc, sessions: opts.oidcSessions ?? oidcSessionsOver(sessions, tokens) } } : {}),
    health: async () => ({
      database: await store.ping().then(
        () => true,
        () => false,
      ),
    }),
  });
  opts.configureApp?.(app);
  let url = '';
  if (opts.listen !== false) {
    url = await app.listen({ host: cfg.host, port: cfg.port });
    logger.info({ url, database: store.kind }, 'patchhive server listening');
  } else {
    await app.ready();
  }
  let closed = false;
  return {
    app,
    store,
    services,
    assessment,
    notifier,
    alerts,
    catalogs,
    scheduler,
    url,
    bootstrapToken,
    keyFingerprint: fingerprint,
    async reloadTls() {
      if (!cfg.tls || opts.listen === false) return false;
      try {
        applyTlsMaterial(app.server as unknown as TlsServer, await loadTls(cfg.tls, logger));
        return true;
      } catch (err) {
        logger.error({ err }, 'TLS reload failed; the certificate in use stays');
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      scheduler?.stop();
      await notifier.stop();
      await sources.whenIdle();
      clearInterval(flushTimer);
      await app.close();
      await assessment.whenIdle();
      await touches.flush();
      await store.close();
    },
  };
}

/** The TLS certificate and key from their files (logged; warned about when the key is readable by others). */
async function loadTls(files: { certFile: string; keyFile: string }, logger: Logger): Promise<TlsMaterial> {
  const material = await readTlsMaterial(files);
  if (material.keyPermissive)
    logger.warn({ file: files.keyFile }, 'the TLS key file is readable by group or others; make it mode 0600');
  logger.info({ certFile: files.certFile, ...material.leaf }, 'TLS certificate loaded');
  return material;
}

/** The SMTP password from its file (warned about when the file is readable by others). */
async function smtpPassword(cfg: ServerConfig, logger: Logger): Promise<string | undefined> {
  if (!cfg.notify.smtp.passwordFile) return undefined;
  const { password, permissive } = await readSmtpPassword(cfg.notify.smtp.passwordFile);
  if (permissive)
    logger.warn(
      { file: cfg.notify.smtp.passwordFile },
      'the SMTP password file is readable by group or others; make it mode 0600',
    );
  return password;
}

/** Single sign-on ends in a console session like any other sign-in: role and scope from the provider's claims. */
function oidcSessionsOver(sessions: SessionService, tokens: TokenService): OidcSessionStarter {
  return {
    async startFor(identity, request, reply) {
      const { userName, role, scopeGroupIds, via } = identity;
      await startSessionFor(sessions, { userName, role, scopeGroupIds, via }, request, reply, tokens);
    },
  };
}
