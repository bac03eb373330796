// syslog (Kong 3.10 kong/plugins/syslog): each request's serialized log, JSON, to the local
// syslog with a severity chosen by the response status, sent only when it passes log_level.
import { KONG_PROTOCOL_VERSION } from '../../version.js';
import type { PluginModule } from '../types.js';
import { str } from '../schema/types.js';
import { customFieldsByLua } from '../log-shared/fields.js';
import { syslogWriter } from './sink.js';

// syslog.h's levels (Kong's LOG_PRIORITIES): a smaller number is more severe.
const SEVERITIES = { emerg: 0, alert: 1, crit: 2, err: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;
type Severity = keyof typeof SEVERITIES;

// syslog.h's facility numbers; kern (0) cannot be sent from user space, so glibc and logger use user.
const FACILITIES = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9, authpriv: 10, ftp: 11,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
} as const;
type Facility = keyof typeof FACILITIES;

interface Conf {
  log_level: Severity;
  successful_severity: Severity;
  client_errors_severity: Severity;
  server_errors_severity: Severity;
  facility: Facility;
}

// Kong's schema.lua: field order, defaults and one_of lists in its order (its error messages list them).
const SEVERITY_NAMES: Severity[] = ['debug', 'info', 'notice', 'warning', 'err', 'crit', 'alert', 'emerg'];
const FACILITY_NAMES: Facility[] = [
  'auth', 'authpriv', 'cron', 'daemon', 'ftp', 'kern', 'lpr', 'mail', 'news', 'syslog', 'user', 'uucp',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];
const severity = () => str({ required: true, default: 'info', one_of: SEVERITY_NAMES });

export const syslog: PluginModule<Conf> = {
  name: 'syslog',
  version: KONG_PROTOCOL_VERSION,
  priority: 4,
  schema: {
    fields: [
      ['log_level', severity()],
      ['successful_severity', severity()],
      ['client_errors_severity', severity()],
      ['server_errors_severity', severity()],
      ['custom_fields_by_lua', customFieldsByLua],
      ['facility', str({ required: true, default: 'user', one_of: FACILITY_NAMES })],
    ],
  },
  log(kong, conf) {
    const message = kong.log.serialize();
    const status = Number((message.response as { status?: unknown } | undefined)?.status);
    const sev = status >= 500 ? conf.server_errors_severity : status >= 400 ? conf.client_errors_severity : conf.successful_severity;
    if (SEVERITIES[sev] > SEVERITIES[conf.log_level]) return;
    syslogWriter().send(FACILITIES[conf.facility] * 8 + SEVERITIES[sev], JSON.stringify(message), kong.log.detached());
  },
};
