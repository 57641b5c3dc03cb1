#!/usr/bin/env node
/**
 * `patchhive-agent enroll|run`: the agent on its own, without the server or the admin commands.
 * It is the entry point of the packaged agent (`npm run package`: one bundle made into a Node
 * single executable application, docs/AGENT.md), so it must reach only what the agent needs: no
 * native addons, no server, store or browser code (checked by test/agent-bundle.test.ts).
 * `patchhive agent enroll|run` is the same code with the same options.
 */
import { Command } from 'commander';
import { addAgentSubcommands, agentVersion } from './commands/agent.js';
import { reportError } from './report-error.js';

const NAME = 'patchhive-agent';

/** The `patchhive-agent` program. */
export function buildAgentProgram(): Command {
  const program = new Command(NAME)
    .description(
      'The Patchhive agent: enroll this machine with a Patchhive server, then check in and run its signed jobs.',
    )
    .version(agentVersion())
    .option('--debug', 'print stack traces for unexpected errors')
    .exitOverride()
    .configureOutput({
      outputError: (msg, write) =>
        write(`${NAME}: error: ${msg.replace(/^error: /, '').trim()} (see --help) [E_USAGE]\n`),
    });
  addAgentSubcommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildAgentProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err, argv.includes('--debug'), NAME);
  }
}

void main(process.argv);
