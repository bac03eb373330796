// hybridctl's own version and the Kong version it presents on the wire (contract: Kong 3.10.0).
declare const __HYBRIDCTL_VERSION__: string | undefined;

export const VERSION: string = typeof __HYBRIDCTL_VERSION__ === 'string' ? __HYBRIDCTL_VERSION__ : '0.0.0-dev';
export const KONG_PROTOCOL_VERSION = '3.10.0';
