// Whether a listen address reaches beyond this machine: tuskd listens on
// loopback by default, and says so loudly when told to listen wider while
// access control is off (anyone who can reach the port could delete every repo).
import { isIP } from 'node:net';

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return false;
}

/** The warning for this listen address with access control off, or '' when there is nothing to warn about. */
export function exposureWarning(host: string): string {
  if (isLoopback(host)) return '';
  return `tuskd listens on ${host}, beyond loopback, with access control off: anyone who can reach its ports can read and delete every repo (run tusk auth activate, or listen on 127.0.0.1)`;
}
