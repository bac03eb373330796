'use strict';

// A custom plugin written against Kong's JavaScript PDK (kong-pdk): it greets every response and
// turns away requests that say they are leaving. The same file runs under Kong's
// kong-js-pluginserver and in-process on a hybridctl data plane (js_plugins_directory).

class GoodbyePlugin {
  constructor(config) {
    this.config = config;
  }

  async access(kong) {
    const leaving = await kong.request.getHeader('x-leaving');
    if (leaving) {
      return kong.response.exit(this.config.status, { message: `${this.config.message}, ${leaving}` });
    }
    await Promise.all([
      kong.response.setHeader('x-goodbye', this.config.message),
      kong.service.request.setHeader('x-goodbye-seen', 'yes'),
    ]);
  }
}

module.exports = {
  Plugin: GoodbyePlugin,
  Schema: [
    { message: { type: 'string', required: true, default: 'goodbye' } },
    { status: { type: 'integer', default: 403, between: [400, 499] } },
  ],
  Version: '1.0.0',
  Priority: 10,
};
