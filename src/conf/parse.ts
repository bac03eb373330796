// kong.conf syntax as Kong reads it: `key = value`, `#` starts a comment unless escaped as `\#`,
// whitespace stripped, an empty value means unset. Never throws: odd lines become problems.
export interface RawEntry {
  value: string | null;
  line: number;
}

export interface ParseProblem {
  line: number;
  message: string;
}

export interface ParsedConf {
  entries: Map<string, RawEntry>;
  problems: ParseProblem[];
}

const KEY = /^[A-Za-z0-9_]+$/;

/** The part of a line before an unescaped `#`, with `\#` turned into `#`. */
export function stripComment(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && line[i + 1] === '#') {
      out += '#';
      i += 1;
    } else if (ch === '#') {
      break;
    } else {
      out += ch;
    }
  }
  return out;
}

export function parseConfText(text: string): ParsedConf {
  const entries = new Map<string, RawEntry>();
  const problems: ParseProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const body = stripComment(lines[n]!).trim();
    if (body === '') continue;
    const eq = body.indexOf('=');
    if (eq < 0) {
      problems.push({ line: n + 1, message: `line ${n + 1} is not of the form key = value: '${preview(body)}'` });
      continue;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      problems.push({ line: n + 1, message: `line ${n + 1}: '${preview(key)}' is not a property name` });
      continue;
    }
    const value = body.slice(eq + 1).trim();
    // Kong keeps the last assignment of a key.
    entries.set(key.toLowerCase(), { value: value === '' ? null : value, line: n + 1 });
  }
  return { entries, problems };
}

// A line that is not a property may still hold a proxy URL: its password is never echoed.
const preview = (s: string) => {
  const masked = s.replace(/(:\/\/[^:@/\s]*:)[^@/\s]*@/g, '$1******@');
  return masked.length > 60 ? `${masked.slice(0, 57)}...` : masked;
};
