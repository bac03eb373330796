// Man pages (roff, section 1) generated from the command tree; no dates, so output is stable.
import { VERSION } from '../../version.js';
import { EXIT_CODES, flatten, type CommandDoc } from './tree.js';

const roff = (s: string) => s.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');

export function pageName(c: CommandDoc): string {
  return ['hybridctl', ...c.path].join('-');
}

export function manPage(c: CommandDoc, root: CommandDoc): string {
  const name = pageName(c);
  const out: string[] = [`.TH ${name.toUpperCase()} 1 "" "hybridctl ${VERSION}" "hybridctl manual"`];
  out.push('.SH NAME', `${roff(name)} \\- ${roff(c.description)}`);
  out.push('.SH SYNOPSIS', `.B ${roff(c.usage)}`);
  if (c.details.length) out.push('.SH DESCRIPTION', ...c.details.map((d, i) => (i ? `.PP\n${roff(d)}` : roff(d))));
  const kids = c.commands.filter((k) => !k.hidden);
  if (kids.length) {
    out.push('.SH COMMANDS');
    for (const k of kids) out.push('.TP', `.B ${roff(k.path.join(' '))}`, `${roff(k.description)}. See \\fB${pageName(k)}\\fR(1).`);
  }
  if (c.args.length) {
    out.push('.SH ARGUMENTS');
    for (const a of c.args) out.push('.TP', `.I ${roff(a.name)}`, roff(a.description));
  }
  out.push('.SH OPTIONS');
  const conf = c.options.filter((o) => o.confKey);
  for (const o of c.options.filter((x) => !x.confKey)) {
    const flags = [o.short, o.long].filter(Boolean).map((f) => `\\fB${roff(f!)}\\fR`).join(', ');
    out.push('.TP', `${flags}${o.value ? ` \\fI${roff(o.value)}\\fR` : ''}`, roff(o.description) + (o.choices ? ` (${roff(o.choices.join(', '))})` : ''));
  }
  if (conf.length) out.push('.TP', '\\fB\\-\\-\\fR\\fIproperty\\-name\\fR \\fIvalue\\fR', roff(`any kong.conf property, e.g. --cluster-listen 0.0.0.0:8005 for cluster_listen (${conf.length} properties; precedence: defaults < conf file < KONG_* < flags)`));
  if (c.examples.length) {
    out.push('.SH EXAMPLES');
    for (const e of c.examples) out.push('.PP', '.nf', `.RS 4`, roff(e), '.RE', '.fi');
  }
  const table = (title: string, rows: [string, string][]) => {
    if (rows.length) out.push(`.SH ${title}`, ...rows.flatMap(([k, v]) => ['.TP', `.B ${roff(k)}`, roff(v)]));
  };
  for (const s of c.sections) table(s.title, s.items);
  table('FILES', c.files);
  table('SIGNALS', c.signals);
  out.push('.SH ENVIRONMENT');
  for (const [k, v] of c.environment) out.push('.TP', `.B ${roff(k)}`, roff(v));
  out.push('.SH EXIT CODES');
  for (const [k, v] of EXIT_CODES) out.push('.TP', `.B ${k}`, roff(v));
  const others = flatten(root).filter((x) => x !== c).map((x) => `\\fB${pageName(x)}\\fR(1)`);
  out.push('.SH SEE ALSO', others.join(', '));
  return `${out.join('\n')}\n`;
}

export function manPages(root: CommandDoc): Map<string, string> {
  return new Map(flatten(root).map((c) => [`${pageName(c)}.1`, manPage(c, root)]));
}
