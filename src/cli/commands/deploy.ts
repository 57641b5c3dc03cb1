/**
 * `patchhive deploy …`: deployments of approved fixes through rings — create one, list them,
 * follow one ring by ring and machine by machine, pause, resume, abort, roll back, and read the
 * jobs the server signed with their step logs. A deployment is named by id or by name.
 */
import { api } from '../client/api-routes.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { PatchhiveError } from '../../errors.js';
import {
  DEPLOYMENT_STATUS_VALUES,
  deploymentActionSchema,
  deploymentCreateSchema,
  deploymentDetailSchema,
  deploymentListSchema,
  deploymentPlanSchema,
  deploymentSchema,
  jobListSchema,
  rollbackRequestSchema,
  type DeploymentCreate,
  type DeploymentDetailWire,
} from '../../protocol/deploy-api.js';
import { parseJsonLocated, readInputText } from '../../common/json-input.js';
import { oneLineText, type ApiClient } from '../client/api-client.js';
import {
  addApiOptions,
  checkBody,
  defined,
  intArg,
  parseTimeArg,
  renderUnpaged,
  repeatable,
  withApi,
  type ApiOptions,
} from '../client/command-kit.js';
import { renderOne } from '../client/format.js';
import {
  buildCreateBody,
  parseRingSpec,
  RING_MEMBERS_SYNTAX,
  RING_SPEC_SYNTAX,
  type CreateFlags,
  type RingInput,
} from './deploy-spec.js';
import { renderPlan } from './deploy-plan-render.js';
import { DEPLOYMENT_COLUMNS, JOB_COLUMNS, renderJobLogs, renderStatus } from './deploy-render.js';

/** Statuses after which a deployment no longer changes by itself (where --watch stops). */
const SETTLED: ReadonlySet<string> = new Set(['halted', 'aborted', 'completed']);

/** How many deployments (the newest) a name is looked up among: the API's largest page. */
const NAME_LOOKUP_LIMIT = 1000;

/**
 * The id of a deployment named by id or by name: an exact id wins, then an exact name (refused
 * when several deployments carry it). An unknown reference is passed on as given, so the
 * server answers E_DEPLOYMENT_NOT_FOUND.
 */
export async function resolveDeploymentId(client: ApiClient, ref: string): Promise<string> {
  const { items } = await client.get(api('/deployments'), deploymentListSchema, { limit: NAME_LOOKUP_LIMIT });
  if (items.some((d) => d.id === ref)) return ref;
  const named = items.filter((d) => d.name === ref);
  if (named.length > 1) {
    throw new PatchhiveError(
      'E_USAGE',
      `${named.length} deployments are named "${oneLineText(ref, 80)}"; give an id: ${named.map((d) => d.id).join(', ')}`,
    );
  }
  return named[0]?.id ?? ref;
}

/** Checks a comma-separated --status list against the deployment statuses. */
function checkStatuses(list: string | undefined): string | undefined {
  if (list === undefined) return undefined;
  const parts = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = parts.find((p) => !(DEPLOYMENT_STATUS_VALUES as readonly string[]).includes(p));
  if (bad !== undefined)
    throw new PatchhiveError(
      'E_USAGE',
      `--status: unknown status "${oneLineText(bad, 40)}" (expected ${DEPLOYMENT_STATUS_VALUES.join(', ')})`,
    );
  if (parts.length === 0) throw new PatchhiveError('E_USAGE', '--status: give at least one status');
  return parts.join(',');
}

/** Reads --spec-file: a JSON object, the body of POST /deployments. */
async function readSpecFile(file: string): Promise<Partial<DeploymentCreate>> {
  const json = parseJsonLocated(await readInputText(file), file);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new PatchhiveError('E_INPUT_MALFORMED', 'expected a JSON object (the body of POST /api/v1/deployments)', {
      file,
    });
  }
  return json;
}

/** Commander's collector for --ring: parses each SPEC as it comes, so a bad one stops at once. */
function ringList(value: string, previous: RingInput[] | undefined): RingInput[] {
  return [...(previous ?? []), parseRingSpec(value)];
}

interface CreateOptions extends ApiOptions, Omit<CreateFlags, 'deadline'> {
  deadline?: string;
  specFile?: string;
  dryRun?: boolean;
}

const RING_HELP = `a ring, in order (repeat): ${RING_SPEC_SYNTAX}; MEMBERS: ${RING_MEMBERS_SYNTAX}; DURATION: 0, 90m, 12h, 1d, 2w, 1d12h`;

function registerCreate(deploy: Command): void {
  addApiOptions(deploy.command('create'))
    .description(
      'Create a deployment: install approved fixes on the target through rings; it starts at once. Prints the plan: rings and, per machine, its ring and packages. With --dry-run, prints what would be created and creates nothing.',
    )
    .option('--name <name>', 'deployment name (required unless in --spec-file)')
    .option('--group <group>', 'target group, id or name (repeat for several)', repeatable)
    .option('--machine <machine>', 'target machine, id or name (repeat for several)', repeatable)
    .option(
      '--bulletin <id>',
      'install only these approved bulletins (repeat; default: every approved fix the target misses)',
      repeatable,
    )
    .option('--ring <spec>', RING_HELP, ringList)
    .option(
      '--deadline <time>',
      'machines not done by then are reported missed: ISO 8601 with a zone, or a span such as 7d, 12h',
    )
    .addOption(
      new Option('--reboot <mode>', "reboot policy for this deployment (default: the groups' policies)").choices([
        'never',
        'if-required',
        'always',
      ]),
    )
    .option('--reboot-only-in-window', 'reboot only inside the maintenance window (with --reboot)')
    .option(
      '--max-deferrals <n>',
      'how often a logged-in user may postpone the reboot, 0..100 (with --reboot)',
      intArg(0, 100),
    )
    .option('--no-rollback-on-halt', 'leave the machines of a halted ring as they are (default: roll them back)')
    .option(
      '--pre-hook <action>',
      'approved action of the action catalog to run before installing, e.g. snapshot (see: patchhive actions list)',
    )
    .option('--post-hook <action>', 'approved action to run after installing')
    .option('--seed <text>', 'seeds the choice of percentage rings (default: the deployment id)')
    .option('--spec-file <file>', 'a JSON file with the POST /deployments body; flags given override it')
    .option(
      '--dry-run',
      'create nothing: print the plan per ring and machine (packages and versions, bulletins it will not get and why, window, reboot policy), the bulletins left out and warnings',
    )
    .addHelpText(
      'after',
      `
Examples:
  patchhive deploy create --name glibc-2024-2961 --group web --bulletin CVE-2024-2961 \\
    --ring lab=machines:lab-1 --ring pilot=10%,soak=1d --ring broad=rest,max-failures=5
  patchhive deploy create --name q2 --group all --ring canary=one-per-role:3,soak=4h,min-success=90% \\
    --ring broad=rest --deadline 14d --reboot if-required --reboot-only-in-window --max-deferrals 2
  patchhive deploy create --name q3 --group web --ring pilot=10% --ring broad=rest --dry-run

A dry run plans exactly as creation does, at that moment. Percentage and strategy rings are placed
by the seed: create with the --seed the dry run printed to get the same rings.`,
    )
    .action((o: CreateOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const file = o.specFile !== undefined ? await readSpecFile(o.specFile) : undefined;
        const deadline = o.deadline !== undefined ? parseTimeArg('--deadline', o.deadline, new Date()) : undefined;
        const body = checkBody(deploymentCreateSchema, buildCreateBody(file, { ...o, deadline }));
        if (o.dryRun === true) {
          await emit(renderPlan(format, await client.post(api('/deployments/plan'), deploymentPlanSchema, body)));
          return;
        }
        const created = await client.post(api('/deployments'), deploymentDetailSchema, body);
        const skipped = created.skippedBulletins ?? [];
        if (skipped.length > 0) {
          const list = skipped.map((s) => `${s.bulletinId} (${oneLineText(s.reason, 300)})`).join('; ');
          process.stderr.write(
            `patchhive: warning: ${skipped.length} approved bulletin${skipped.length === 1 ? ' has' : 's have'} no installable fix on the target machines and ${skipped.length === 1 ? 'was' : 'were'} left out: ${list}\n`,
          );
        }
        await emit(renderStatus(format, created, true));
      }),
    );
}

interface StatusOptions extends ApiOptions {
  machines?: boolean;
  watch?: number;
}

function registerStatus(deploy: Command): void {
  addApiOptions(deploy.command('status'))
    .description('Show a deployment: status, rings with their counts and gates; --machines adds one line per machine.')
    .argument('<deployment>', 'deployment id or name')
    .option(
      '--machines',
      'one line per machine: ring, state, packages, rollback, message (CSV: the machines instead of the rings)',
    )
    .option(
      '--watch <seconds>',
      'show it again every SECONDS until it is halted, aborted or completed (Ctrl-C stops)',
      intArg(1, 3600),
    )
    .action((ref: string, o: StatusOptions) =>
      withApi(o, async ({ client, format, emit }) => {
        const id = await resolveDeploymentId(client, ref);
        for (;;) {
          const d: DeploymentDetailWire = await client.get(api('/deployments/{id}', id), deploymentDetailSchema);
          const stamp = o.watch !== undefined && format === 'table' ? `--- ${new Date().toISOString()} ---\n` : '';
          await emit(stamp + renderStatus(format, d, o.machines === true));
          if (o.watch === undefined || SETTLED.has(d.status)) return;
          await sleep(o.watch * 1000);
        }
      }),
    );
}

function registerActions(deploy: Command): void {
  const actions = [
    ['pause', 'Pause a deployment: no new jobs are handed out; jobs already delivered finish.'],
    ['resume', 'Resume a paused deployment: the engine looks at it at once.'],
    [
      'abort',
      'Abort a running, paused or halted deployment for good: queued jobs are cancelled; machines stay as they are.',
    ],
  ] as const;
  for (const [verb, description] of actions) {
    addApiOptions(deploy.command(verb))
      .description(description)
      .argument('<deployment>', 'deployment id or name')
      .option('--reason <text>', 'why (kept as the status reason)')
      .action((ref: string, o: ApiOptions & { reason?: string }) =>
        withApi(o, async ({ client, format, emit }) => {
          const id = await resolveDeploymentId(client, ref);
          const body = checkBody(deploymentActionSchema, defined({ reason: o.reason }));
          await emit(
            renderOne(
              format,
              DEPLOYMENT_COLUMNS,
              await client.post(api(`/deployments/{id}/${verb}`, id), deploymentSchema, body),
            ),
          );
        }),
      );
  }

  addApiOptions(deploy.command('rollback'))
    .description(
      'Roll back what a deployment installed (apt/dnf: the previous exact versions; Windows: uninstall by KB), as rollback jobs.',
    )
    .argument('<deployment>', 'deployment id or name')
    .option(
      '--machine <machine>',
      'only this machine, id or name (repeat; default: every machine the deployment changed)',
      repeatable,
    )
    .option('--reason <text>', 'why')
    .action((ref: string, o: ApiOptions & { machine?: string[]; reason?: string }) =>
      withApi(o, async ({ client, format, emit }) => {
        const id = await resolveDeploymentId(client, ref);
        const body = checkBody(rollbackRequestSchema, defined({ machines: o.machine, reason: o.reason }));
        const d = await client.post(api('/deployments/{id}/rollback', id), deploymentDetailSchema, body);
        // the table and CSV show the machines being rolled back; JSON is the whole answer
        await emit(
          renderStatus(
            format,
            format === 'json' ? d : { ...d, machines: d.machines.filter((m) => m.rollback !== null) },
            true,
          ),
        );
      }),
    );
}

function registerList(deploy: Command): void {
  addApiOptions(deploy.command('list'))
    .description('List deployments, newest first: status, current ring, machines succeeded / failed / still open.')
    .option('--status <list>', `only these statuses, comma-separated (${DEPLOYMENT_STATUS_VALUES.join(', ')})`)
    .option('--limit <n>', 'how many, 1..1000 (default: 100)', intArg(1, 1000))
    .action((o: ApiOptions & { status?: string; limit?: number }) =>
      withApi(o, async ({ client, format, emit }) => {
        const { items } = await client.get(api('/deployments'), deploymentListSchema, {
          status: checkStatuses(o.status),
          limit: o.limit,
        });
        await emit(renderUnpaged(format, DEPLOYMENT_COLUMNS, items, 'deployments'));
      }),
    );
}

function registerJobs(deploy: Command): void {
  addApiOptions(deploy.command('jobs'))
    .description(
      "List a deployment's jobs (install and rollback) with their state; --logs adds each step's result and log tail.",
    )
    .argument('<deployment>', 'deployment id or name')
    .option('--machine <machine>', 'only the jobs of this machine (id or name)')
    .option('--logs', "print each job's steps and their log tails after the table (table format)")
    .action((ref: string, o: ApiOptions & { machine?: string; logs?: boolean }) =>
      withApi(o, async ({ client, format, emit }) => {
        const id = await resolveDeploymentId(client, ref);
        const { items } = await client.get(api('/deployments/{id}/jobs', id), jobListSchema, { machine: o.machine });
        const logs = o.logs && format === 'table' && items.length > 0 ? renderJobLogs(items) : '';
        await emit(renderUnpaged(format, JOB_COLUMNS, items, 'jobs') + logs);
      }),
    );
}

/** Registers `patchhive deploy create|list|status|pause|resume|abort|rollback|jobs`. */
export function registerDeployCommand(program: Command): void {
  const deploy = program
    .command('deploy')
    .description(
      'Deployments: approved fixes to groups or machines through rings (lab, pilot, broad) with soak times and gates.',
    );
  registerCreate(deploy);
  registerList(deploy);
  registerStatus(deploy);
  registerActions(deploy);
  registerJobs(deploy);
}
