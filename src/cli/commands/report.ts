/**
 * `patchhive report`: the compliance report of the fleet or one group (by group, owner, severity
 * and bulletin; overdue findings; trends) as JSON, one CSV section, printable HTML or PDF.
 */
import { api } from '../client/api-routes.js';
import { Option, type Command } from 'commander';
import { writeOutputFile } from '../../common/atomic-write.js';
import { PatchhiveError } from '../../errors.js';
import { REPORT_FORMATS, REPORT_SECTIONS, type ReportQuery } from '../../protocol/policy-api.js';
import { oneLineText } from '../client/api-client.js';
import { addApiOptions, intArg, note, withApi, type ApiOptions } from '../client/command-kit.js';
import { renderJson } from '../client/format.js';

type ReportFormat = ReportQuery['format'];

/** The content type each report format must come back as. */
const CONTENT_TYPES: Record<ReportFormat, RegExp> = {
  json: /^application\/(?:[\w.+-]+\+)?json\b/i,
  csv: /^text\/csv\b/i,
  html: /^text\/html\b/i,
  pdf: /^application\/pdf\b/i,
};

interface ReportFlags extends ApiOptions {
  group?: string;
  section?: ReportQuery['section'];
  periodDays?: number;
}

/**
 * Where a report goes: a file (see writeOutputFile), or stdout. A PDF is binary and goes to stdout only with
 * `-o -` and only when stdout is not a terminal; without -o it is refused before anything is sent.
 */
export function reportDestination(
  format: ReportFormat,
  output: string | undefined,
  stdoutIsTty: boolean,
): { file?: string } {
  if (output !== undefined && output !== '-') return { file: output };
  if (format === 'pdf' && output === undefined) {
    throw new PatchhiveError('E_USAGE', 'a PDF report is binary: use --output FILE (or -o - to pipe it)');
  }
  if (format === 'pdf' && stdoutIsTty)
    throw new PatchhiveError('E_USAGE', 'will not write a PDF to a terminal: use --output FILE');
  return {};
}

/** Makes the generic --format option choose among the report formats (default json). */
function useReportFormats(cmd: Command): Command {
  const format = cmd.options.find((opt: Option) => opt.long === '--format');
  if (!format) throw new Error('addApiOptions no longer adds --format');
  format.choices([...REPORT_FORMATS]);
  format.description = 'report format: json (default), csv (one --section), html (printable) or pdf (needs --output)';
  return cmd;
}

/** Registers `patchhive report`. */
export function registerReportCommand(program: Command): void {
  useReportFormats(addApiOptions(program.command('report')))
    .description(
      'The compliance report: by group, owner, severity and bulletin, overdue findings, trends (JSON, CSV, HTML or PDF).',
    )
    .option('--group <group>', 'only this group (id or name; default: the whole fleet)')
    .addOption(
      new Option('--section <section>', 'for CSV: which table (default: overdue)').choices([...REPORT_SECTIONS]),
    )
    .option(
      '--period-days <n>',
      'trends and time to remediate over this many days, 1..3650 (default: 30)',
      intArg(1, 3650),
    )
    .action((o: ReportFlags) => {
      const format = (o.format ?? 'json') as ReportFormat;
      const dest = reportDestination(format, o.output, process.stdout.isTTY === true);
      // the config file's default format (table/json/csv) is for lists, not for reports
      return withApi({ ...o, format: undefined, output: undefined }, async ({ client }) => {
        const query = { group: o.group, format, section: o.section, periodDays: o.periodDays };
        const answer = await client.getRaw(api('/reports/compliance'), query);
        if (!CONTENT_TYPES[format].test(answer.contentType)) {
          throw new PatchhiveError(
            'E_SERVER_ERROR',
            `the server answered ${oneLineText(answer.contentType, 80) || 'without a content type'} for a ${format} report (is the server the same version as this CLI?)`,
          );
        }
        const parsed = format === 'json' ? parseJson(answer.body) : undefined;
        const body = format === 'json' ? renderJson(parsed) : answer.body;
        if (noMachines(parsed))
          note(
            `no machines${o.group ? ` in group ${o.group}` : ''}: there is nothing to be compliant (compliancePercent is null, not 100 %)`,
          );
        if (dest.file === undefined) {
          process.stdout.write(body);
          return;
        }
        await writeOutputFile(dest.file, body, 0o644);
        note(`wrote the ${format} compliance report to ${dest.file} (${Buffer.byteLength(body)} bytes)`);
      });
    });
}

/** A JSON report whose scope has no machines. */
function noMachines(report: unknown): boolean {
  const summary = (report as { summary?: { machines?: unknown } } | undefined)?.summary;
  return summary?.machines === 0;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new PatchhiveError('E_SERVER_ERROR', "the server's report is not valid JSON");
  }
}
