/**
 * The settings table of docs/configuration.md, generated from `SETTINGS`
 * (a test checks the document contains exactly this table). Regenerate with:
 *   node --import tsx -e "import('./src/cli/config-doc.ts').then((m) => console.log(m.configurationTable()))"
 */
import { SETTINGS, describeDefault } from '../config.ts';
import { COMMANDS } from './commands.ts';

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** Markdown table: one row per setting. */
export function configurationTable(): string {
  const rows = SETTINGS.map((s) => {
    const used = COMMANDS.filter((c) => c.settings.includes(s.key)).map((c) => c.words.join(' '));
    const commands = used.length === COMMANDS.length ? 'all' : used.join(', ');
    return `| \`--${s.flag} ${s.metavar}\` | ${s.env.map((e) => `\`${e}\``).join(', ')} | \`${cell(describeDefault(s))}\` | ${s.unit} | ${commands} | ${cell(s.description)} |`;
  });
  return ['| Flag | Environment | Default | Unit | Commands | Description |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
