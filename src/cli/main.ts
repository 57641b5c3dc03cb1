#!/usr/bin/env node
/** The `patchhive` command line: one place where errors become messages and exit codes. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerScanCommand } from './commands/scan.js';
import { registerInventoryCommand } from './commands/inventory.js';
import { registerCatalogCommand } from './commands/catalog.js';
import { registerServeCommand } from './commands/serve.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerApiCommands } from './commands/api-commands.js';
import { EXIT_ERROR, reportError } from './report-error.js';

export { EXIT_ERROR, reportError };

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function buildProgram(): Command {
  const program = new Command('patchhive')
    .description('Patch management for fleets of Windows and Linux machines.')
    .version(packageVersion())
    .option('--debug', 'print stack traces for unexpected errors')
    .exitOverride()
    .configureOutput({
      // usage errors are one line like every other error; --help shows the rest
      outputError: (msg, write) =>
        write(`patchhive: error: ${msg.replace(/^error: /, '').trim()} (see --help) [E_USAGE]\n`),
    });
  registerScanCommand(program);
  registerInventoryCommand(program);
  registerCatalogCommand(program);
  registerServeCommand(program, packageVersion());
  registerAgentCommand(program);
  registerApiCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err, debug);
  }
}

await main(process.argv);
