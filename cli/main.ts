/**
 * tfgym's command line. `run(argv)` returns the exit code instead of exiting, so tests can
 * call it in-process; `bin/tfgym.js` calls it and exits.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { exitCodeFor, isExpectedError } from './errors.js';
import { oneLine } from '../src/io/errors.js';
import { packageVersion } from '../src/io/package.js';

/**
 * Builds the root commander program. With `only` naming a subcommand, just that one is
 * loaded and registered (the common case, and fast); otherwise every subcommand is, so root
 * help and "did you mean" suggestions see them all.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('tfgym')
    .description('Deep RL gym, DQN agents and the networks of "Deep Learning with Keras", on TensorFlow.js')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showSuggestionAfterError(true)
    // Parse errors in one line too: commander puts its "Did you mean" on a line of its own.
    .configureOutput({ outputError: (str, write) => write(`${oneLine(str)}\n`) })
    .exitOverride();
  const wanted = commands.filter((c) => c.name === only);
  for (const c of wanted.length > 0 ? wanted : commands) (await c.load()).register(program);
  // Subcommands inherit exit-override so their parse errors reach run() too.
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  // The subcommand is the first argument unless it is an option of the root (--help, -V).
  const first = argv[0];
  const program = await buildProgram(first !== undefined && !first.startsWith('-') ? first : undefined);
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
    // One line, whatever the message carries (file content, a wrapped cause): scripts read it.
    const msg = oneLine(e instanceof Error ? e.message : String(e));
    if (!isExpectedError(e) && process.env['TFGYM_DEBUG'] && e instanceof Error && e.stack) {
      process.stderr.write(`error: ${msg}\n${e.stack}\n`);
    } else if (!isExpectedError(e)) {
      process.stderr.write(`error: ${msg} (set TFGYM_DEBUG=1 for a stack trace)\n`);
    } else {
      process.stderr.write(`error: ${msg}\n`);
    }
    return exitCodeFor(e);
  }
}
