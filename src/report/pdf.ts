/**
 * Prints an HTML report to PDF with a headless Chromium driven by playwright-core. The page gets
 * no JavaScript and no network (every request is aborted), so a report is printed exactly as
 * given whatever its content; the browser is always closed.
 */
import { chromium, type Browser } from 'playwright-core';
import { PatchhiveError } from '../errors.js';

/** Where the Chromium to use is, and how long printing may take. */
export interface RenderPdfOptions {
  chromiumPath: string;
  /** Per browser operation (launch, load, print); default 60 s. */
  timeoutMs?: number;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** The PDF (A4, backgrounds printed) of `html`; failures are E_REPORT_FAILED naming the Chromium path. */
export async function renderPdf(html: string, options: RenderPdfOptions): Promise<Buffer> {
  const timeout = options.timeoutMs ?? 60_000;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: options.chromiumPath,
      headless: true,
      // Chromium's sandbox refuses to run as root; elsewhere it stays on.
      args: isRoot() ? ['--no-sandbox'] : [],
      timeout,
    });
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    await context.route('**/*', (route) => route.abort('blockedbyclient'));
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({ format: 'A4', printBackground: true });
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new PatchhiveError(
      'E_REPORT_FAILED',
      `rendering the PDF with Chromium at ${options.chromiumPath} failed: ${why}`,
      undefined,
      { cause: err },
    );
  } finally {
    await browser?.close().catch(() => undefined);
  }
}
