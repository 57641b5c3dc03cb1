#!/usr/bin/env node
/** The `patchhive` command line: one place where errors become messages and exit codes. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { PatchhiveError } from '../errors.js';
import { registerScanCommand } from './commands/scan.js';
import { registerInventoryCommand } from './commands/inventory.js';
import { registerCatalogCommand } from './commands/catalog.js';
import { registerServeCommand } from './commands/serve.js';
import { registerAgentCommand } from './commands/agent.js';
import { registerApiCommands } from './commands/api-commands.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Exit codes: 0 nothing missing, 1 something missing, 2 error. */
export const EXIT_ERROR = 2;

function buildProgram(): Command {
  const program = new Command('patchhive')
    .description('Patch management for fleets of Windows and Linux machines.')
    .version(packageVersion())
    .option('--debug', 'print stack traces for unexpected errors')
    .exitOverride()
    .configureOutput({
      // usage errors are one line like every other error; --help shows the rest
      outputError: (msg, write) => write(`patchhive: error: ${msg.replace(/^error: /, '').trim()} (see --help) [E_USAGE]\n`),
    });
  registerScanCommand(program);
  registerInventoryCommand(program);
  registerCatalogCommand(program);
  registerServeCommand(program, packageVersion());
  registerAgentCommand(program);
  registerApiCommands(program);
  return program;
}

/** Prints an error as one line and returns the exit code for it. */
export function reportError(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or help/version, which are not errors)
    return err.exitCode === 0 ? 0 : EXIT_ERROR;
  }
  if (err instanceof PatchhiveError) {
    process.stderr.write(`patchhive: error: ${err.toOneLine()}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`patchhive: internal error: ${msg.split('\n')[0]} [E_INTERNAL]\n`);
  }
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return EXIT_ERROR;
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
