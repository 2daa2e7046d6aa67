/**
 * Splits a command's arguments into its own options, its positionals and the
 * setting flags (which `loadConfig` then validates). Unknown flags are usage errors.
 */
import { findSettingByFlag } from '../config.ts';
import type { SettingKey } from '../config.ts';
import { CliError } from './errors.ts';

export interface OptionSpec {
  /** Long name without dashes. */
  readonly flag: string;
  readonly description: string;
  /** Placeholder of the value; absent for a boolean switch. */
  readonly metavar?: string;
}

export interface ParsedArgs {
  readonly options: Readonly<Record<string, string | true>>;
  readonly positionals: readonly string[];
  /** `--flag value` pairs of settings, for `loadConfig({ argv })`. */
  readonly settingArgs: readonly string[];
  readonly help: boolean;
}

/** Parses `argv` (after the command words) against the command's options and settings. */
export function parseArgs(
  argv: readonly string[],
  spec: { readonly options: readonly OptionSpec[]; readonly settings: readonly SettingKey[] },
): ParsedArgs {
  const options: Record<string, string | true> = {};
  const positionals: string[] = [];
  const settingArgs: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const m = /^--([a-z][a-z0-9-]*)(?:=([\s\S]*))?$/.exec(arg);
    if (!m) throw new CliError('E_USAGE', `unknown option ${arg}`);
    const name = m[1] ?? '';
    let value: string | undefined = m[2];
    const option = spec.options.find((o) => o.flag === name);
    const setting = findSettingByFlag(name);
    if (!option && !(setting && spec.settings.includes(setting.key))) throw new CliError('E_USAGE', `unknown option --${name}`);
    if (option && option.metavar === undefined) {
      if (value !== undefined) throw new CliError('E_USAGE', `option --${name} takes no value`);
      options[name] = true;
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new CliError('E_USAGE', `option --${name} needs a value (${option?.metavar ?? setting?.metavar})`);
    }
    if (option) {
      if (name in options) throw new CliError('E_USAGE', `option --${name} given twice`);
      options[name] = value;
    } else settingArgs.push(`--${name}`, value);
  }
  return { options, positionals, settingArgs, help };
}
