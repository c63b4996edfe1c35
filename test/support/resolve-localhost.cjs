'use strict';
/**
 * Preloaded (NODE_OPTIONS=--require) into the `sls` processes the deploy test starts: resolves
 * `<name>.localhost` to 127.0.0.1, as RFC 6761 reserves it but glibc does not, so the Log Service SDK
 * (which puts the project in the host name) reaches the loopback stand-in. Nothing else changes.
 */
const dns = require('node:dns');

const lookup = dns.lookup;
dns.lookup = function lookupLocalhost(hostname, options, callback) {
  const name = typeof hostname === 'string' && hostname.endsWith('.localhost') ? '127.0.0.1' : hostname;
  return lookup.call(this, name, options, callback);
};
