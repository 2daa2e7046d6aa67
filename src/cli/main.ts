/**
 * `roster` entry point: finds the command, parses its arguments, loads and
 * validates the configuration (only the settings the command uses), runs it,
 * and turns errors into `roster: <CODE>: <message>` on stderr with the
 * catalogue's exit code (src/cli/errors.ts).
 */
import { loadConfig } from '../config.ts';
import { parseArgs } from './args.ts';
import { COMMANDS, findCommand } from './commands.ts';
import { CliError, toCliError } from './errors.ts';
import { commandHelp, mainHelp, version } from './help.ts';
import type { Io } from './types.ts';

/** Runs the CLI; resolves to the exit code (for `serve`, once the server has stopped). */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const first = argv[0];
    if (first === undefined) throw new CliError('E_USAGE', 'missing command');
    if (first === '-h' || first === '--help') {
      io.stdout.write(mainHelp());
      return 0;
    }
    if (first === '--version' || first === '-V') {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    if (first === 'help') {
      const topic = argv.slice(1);
      if (topic.length === 0) {
        io.stdout.write(mainHelp());
        return 0;
      }
      const found = findCommand(topic);
      if (!found || found.rest.length > 0) throw new CliError('E_USAGE', `unknown command "${topic.join(' ')}"`);
      io.stdout.write(commandHelp(found.command));
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      const group = COMMANDS.filter((c) => c.words[0] === first).map((c) => c.words.join(' '));
      throw new CliError('E_USAGE', group.length > 0 ? `"${first}" needs a subcommand: ${group.join(', ')}` : `unknown command "${first}"`);
    }
    const { command, rest } = found;
    const args = parseArgs(rest, command);
    if (args.help) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    if (args.positionals.length !== command.positionals.length) {
      const expected = command.positionals.map((p) => p.name).join(' ') || 'no arguments';
      throw new CliError('E_USAGE', `roster ${command.words.join(' ')} takes ${expected}, got ${args.positionals.length === 0 ? 'none' : `"${args.positionals.join(' ')}"`}`);
    }
    const config = loadConfig({ argv: args.settingArgs, env: io.env, only: command.settings });
    const run = await command.run();
    return await run({ args, config, io });
  } catch (e) {
    const err = toCliError(e);
    io.stderr.write(`roster: ${err.code}: ${err.message}\n`);
    if (err.exitCode === 2) io.stderr.write(`Run "roster help" or "roster help <command>" for usage.\n`);
    return err.exitCode;
  }
}

/** Runs `main` with the process's arguments and streams and exits with its code. */
export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
}
