/** Shared types of the CLI commands. */
import type { Config, SettingKey } from '../config.ts';
import type { OptionSpec, ParsedArgs } from './args.ts';

/** Where a command writes: the real process streams, or buffers in tests. */
export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface CommandContext {
  readonly args: ParsedArgs;
  readonly config: Config;
  readonly io: Io;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
}

/** One CLI command: its words, help text, options, the settings it reads, and how to run it. */
export interface CommandSpec {
  /** Command words: `['tenants', 'create']`. */
  readonly words: readonly string[];
  readonly summary: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: readonly OptionSpec[];
  /** The settings this command uses; only their flags are accepted. */
  readonly settings: readonly SettingKey[];
  /** Extra lines at the end of the help. */
  readonly notes?: readonly string[];
  /** Loads the implementation (lazily, so `--help` stays fast). Returns the exit code. */
  readonly run: () => Promise<(ctx: CommandContext) => Promise<number>>;
}
