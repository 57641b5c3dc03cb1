/** Read routes of the console's pages: the machines a bulletin hits, and the report views (JSON, CSV, PDF). */
import { z } from 'zod';
import { bulletinMachinesQuerySchema, bulletinMachinesSchema } from '../../protocol/bulletin-api.js';
import {
  mttrReportSchema,
  overdueQuerySchema,
  overdueReportSchema,
  rangeQuerySchema,
  reportByBulletinSchema,
  reportByGroupSchema,
  reportByOwnerSchema,
  reportBySeveritySchema,
  reportViewQuerySchema,
  trendReportSchema,
} from '../../protocol/report-api.js';
import { ScopeResolver } from '../auth/scope.js';
import type { Services } from '../services/index.js';
import type { ReportView } from '../services/report-views.js';
import { route, type RouteDef } from './route.js';

const ref = z.object({ id: z.string().min(1).max(300) });
const CSV_PDF = ['text/csv', 'application/pdf'];

/** The view routes, built over the services. */
export function viewRoutes(s: Services): RouteDef[] {
  const scopes = new ScopeResolver(s.groups);
  const table = (view: ReportView, schema: z.ZodType, what: string) =>
    route({
      method: 'GET',
      url: `/reports/by-${view}`,
      access: 'viewer',
      tag: 'reports',
      summary: `Compliance by ${what} (one table of the compliance report) as JSON, CSV or PDF`,
      query: reportViewQuerySchema,
      response: schema,
      produces: CSV_PDF,
      handler: async ({ query, caller }) => s.reportViews.table(view, query, await scopes.of(caller)),
    });
  return [
    route({
      method: 'GET',
      url: '/bulletins/:id/machines',
      access: 'viewer',
      tag: 'bulletins',
      summary: "The machines a bulletin hits, grouped by group, with each group's triage state (paged per group)",
      params: ref,
      query: bulletinMachinesQuerySchema,
      response: bulletinMachinesSchema,
      handler: async ({ params, query, caller }) => s.bulletinViews.machines(params.id, query, await scopes.of(caller)),
    }),
    table('group', reportByGroupSchema, 'group'),
    table('owner', reportByOwnerSchema, 'machine owner'),
    table('severity', reportBySeveritySchema, 'severity'),
    table('bulletin', reportByBulletinSchema, 'bulletin'),
    route({
      method: 'GET',
      url: '/reports/overdue',
      access: 'viewer',
      tag: 'reports',
      summary: 'Overdue findings (machine, bulletin, groups, deadline, days overdue) as JSON, CSV or PDF',
      query: overdueQuerySchema,
      response: overdueReportSchema,
      produces: CSV_PDF,
      handler: async ({ query, caller }) => s.reportViews.overdue(query, await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/reports/trend',
      access: 'viewer',
      tag: 'reports',
      summary: 'Open findings per day over a range of days, of the fleet or a group, as JSON, CSV or PDF',
      query: rangeQuerySchema,
      response: trendReportSchema,
      produces: CSV_PDF,
      handler: async ({ query, caller }) => s.reportViews.trend(query, await scopes.of(caller)),
    }),
    route({
      method: 'GET',
      url: '/reports/mttr',
      access: 'viewer',
      tag: 'reports',
      summary:
        'Mean and median time to remediate by severity, over the findings resolved in a range, as JSON, CSV or PDF',
      query: rangeQuerySchema,
      response: mttrReportSchema,
      produces: CSV_PDF,
      handler: async ({ query, caller }) => s.reportViews.mttr(query, await scopes.of(caller)),
    }),
  ] as RouteDef[];
}
