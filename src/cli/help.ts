/**
 * Help text, generated from the command table and the settings table, so the
 * two can never disagree with what the parser accepts.
 */
import { readFileSync } from 'node:fs';
import { SETTINGS, describeDefault } from '../config.ts';
import type { Setting } from '../config.ts';
import type { OptionSpec } from './args.ts';
import { COMMANDS } from './commands.ts';
import type { CommandSpec } from './types.ts';

const WIDTH = 100;
const INDENT = 28;

/** The package version (from package.json, two levels above src/cli and dist/cli). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function entry(left: string, text: string): string {
  const [first = '', ...rest] = wrap(text, INDENT);
  const head = left.length + 4 <= INDENT ? `  ${left.padEnd(INDENT - 2)}${first}` : `  ${left}\n${' '.repeat(INDENT)}${first}`;
  return [head, ...rest.map((l) => ' '.repeat(INDENT) + l)].join('\n');
}

/** One setting as shown in help: flag, description, default and environment variables. */
export function formatSetting(s: Setting): string {
  const env = s.env.length > 0 ? `; env ${s.env.join(', ')}` : '';
  return entry(`--${s.flag} ${s.metavar}`, `${s.description} [default ${describeDefault(s)}${env}]`);
}

function formatOption(o: OptionSpec): string {
  return entry(o.metavar === undefined ? `--${o.flag}` : `--${o.flag} ${o.metavar}`, o.description);
}

function usageLine(c: CommandSpec): string {
  const pos = c.positionals.map((p) => ` ${p.name}`).join('');
  const required = c.options.filter((o) => o.metavar !== undefined && (o.flag === 'name' || o.flag === 'idp'));
  const req = required.map((o) => ` --${o.flag} ${o.metavar}`).join('');
  return `roster ${c.words.join(' ')}${pos}${req} [options]`;
}

/** Help of one command: usage, options, and only the settings it uses. */
export function commandHelp(c: CommandSpec): string {
  const out = [`Usage: ${usageLine(c)}`, '', c.summary];
  if (c.positionals.length > 0) out.push('', 'Arguments:', ...c.positionals.map((p) => entry(p.name, p.description)));
  out.push('', 'Options:', ...c.options.map(formatOption), entry('-h, --help', 'Show this help.'));
  const settings = SETTINGS.filter((s) => c.settings.includes(s.key));
  if (settings.length > 0) out.push('', 'Settings (flag beats environment variable beats default):', ...settings.map(formatSetting));
  if (c.notes) out.push('', ...c.notes.flatMap((n) => wrap(n, 0)));
  return `${out.join('\n')}\n`;
}

/** `roster --help`: commands, then every setting. */
export function mainHelp(): string {
  const out = [
    `Roster ${version()}: a multi-tenant SCIM 2.0 provisioning server.`,
    '',
    'Usage: roster <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => entry(c.words.join(' '), c.summary)),
    entry('help [COMMAND]', 'Show the help of a command, with the settings it accepts.'),
    '',
    'Options:',
    entry('-h, --help', 'Show this help.'),
    entry('--version', 'Print the version.'),
    '',
    'Settings (each command accepts the ones it uses; flag beats environment variable beats default):',
    ...SETTINGS.map(formatSetting),
    '',
    'Get started:',
    '  roster serve --port 8080',
    '  roster tenants create --name "Acme" --idp okta',
  ];
  return `${out.join('\n')}\n`;
}
