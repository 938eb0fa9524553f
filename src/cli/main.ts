/**
 * tfgym's command line. `run(argv)` returns the exit code instead of exiting, so tests can
 * call it in-process; `bin/tfgym.js` calls it and exits.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { exitCodeFor, isExpectedError } from './errors.js';
import { packageVersion } from './pkg.js';

/** Builds the root commander program with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command('tfgym')
    .description('Deep RL gym, DQN agents and the networks of "Deep Learning with Keras", on TensorFlow.js')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const register of commands) register(program);
  // Subcommands inherit exit-override so their parse errors reach run() too.
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are "errors" to commander; they already printed and succeed.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        return 0;
      }
      // commander already printed its one-line message ("error: unknown option '--x'").
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`error: ${msg}\n`);
    if (!isExpectedError(e) && process.env['TFGYM_DEBUG'] && e instanceof Error && e.stack) {
      process.stderr.write(`${e.stack}\n`);
    } else if (!isExpectedError(e)) {
      process.stderr.write('(set TFGYM_DEBUG=1 for a stack trace)\n');
    }
    return exitCodeFor(e);
  }
}
