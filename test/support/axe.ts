/**
 * Accessibility checks in the browser with axe-core: its script is injected into the page under
 * test and run there; the violations come back as data. `expectAccessible` fails on any serious or
 * critical one, naming the rule, its impact, the elements and where the rule is explained.
 */
import axe from 'axe-core';
import type { Page } from 'playwright-core';

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  targets: string[];
}

/** The axe-core violations of the page as it is now (WCAG 2.x A and AA rules and best practices). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  // Evaluated through the DevTools protocol, not as an inline <script>: the console's Content
  // Security Policy (script-src 'self') rightly refuses those, and the test keeps it on.
  if (!loaded) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const w = window as unknown as {
      axe: {
        run(
          ctx: Document,
          opts: object,
        ): Promise<{
          violations: {
            id: string;
            impact?: string | null;
            help: string;
            helpUrl: string;
            nodes: { target: unknown[] }[];
          }[];
        }>;
      };
    };
    const r = await w.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.map((n) => n.target.map(String).join(' ')),
    }));
  });
}

/** A readable list of violations, one per line with its elements below. */
export function formatViolations(vs: AxeViolation[]): string {
  return vs
    .map(
      (v) =>
        `${v.id} (${v.impact ?? 'no impact'}): ${v.help}\n    ${v.helpUrl}\n` +
        v.targets
          .slice(0, 10)
          .map((t) => `      ${t}`)
          .join('\n') +
        (v.targets.length > 10 ? `\n      … and ${v.targets.length - 10} more` : ''),
    )
    .join('\n  ');
}

/** Throws when axe-core finds a serious or critical violation on the page; returns the lesser ones. */
export async function expectAccessible(page: Page, what: string): Promise<AxeViolation[]> {
  const all = await axeViolations(page);
  const bad = all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0)
    throw new Error(`${what}: ${bad.length} serious or critical accessibility violations:\n  ${formatViolations(bad)}`);
  return all.filter((v) => !bad.includes(v));
}
