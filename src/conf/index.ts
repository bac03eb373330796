// kong.conf, read exactly as Kong reads it: the single source of configuration for lint and the daemons.
export { loadConf, DEFAULT_CONF_PATHS, type LoadedConf, type LoadOptions, type KongConf, type Entry, type Source } from './load.js';
export { SCHEMA, ALL_KEYS, isKnownKey, suggestKey, isSecretKey, defaultOf, type Property, type RoleName } from './schema.js';
export { parseConfText, stripComment } from './parse.js';
export { parseListeners, bindHost, expandIpv6, LISTENER_FORM, type Listener } from './listeners.js';
export { pgSettings, type PgSettings, type PgConnectionSettings } from './postgres.js';
export { kongNumber, readCertificateValue, readKeyValue, resolvePemValue, shownValue, systemBundle, SYSTEM_BUNDLES } from './values.js';
export { redactedEntries, printableValue, maskUrlCredentials, MASK } from './redact.js';
export { findingText, findingLine, namesItsKey, type Finding } from './finding.js';
export { parseClusterAddress, missingPortWarning, type ClusterAddress } from './cluster-address.js';
