// The syslog plugin's schema as Kong's kong/plugins/syslog/schema.lua has it: defaults, enums in
// Kong's order, and Lua code refused rather than ignored.
import { describe, expect, it } from 'vitest';
import { syslog } from '../../../src/plugins/syslog/index.js';
import { validateConfig } from '../../../src/plugins/schema/validate.js';
import { LUA_CODE_REFUSED } from '../../../src/plugins/log-shared/fields.js';

describe('syslog schema', () => {
  it("fills Kong's defaults", () => {
    expect(validateConfig(syslog.schema, {})).toEqual({
      config: { log_level: 'info', successful_severity: 'info', client_errors_severity: 'info', server_errors_severity: 'info', custom_fields_by_lua: null, facility: 'user' },
      errors: null,
    });
  });
  it('refuses severities and facilities syslog.h does not have', () => {
    expect(validateConfig(syslog.schema, { successful_severity: 'warn', facility: 'local8' }).errors).toEqual({
      successful_severity: 'expected one of: debug, info, notice, warning, err, crit, alert, emerg',
      facility: 'expected one of: auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news, syslog, user, uucp, local0, local1, local2, local3, local4, local5, local6, local7',
    });
  });
  it('refuses custom_fields_by_lua', () => {
    expect(validateConfig(syslog.schema, { custom_fields_by_lua: { f: 'return 1' } }).errors).toEqual({ custom_fields_by_lua: LUA_CODE_REFUSED });
  });
  it("runs at Kong's priority, after tcp-log and before request-termination", () => {
    expect(syslog.priority).toBe(4);
  });
});
