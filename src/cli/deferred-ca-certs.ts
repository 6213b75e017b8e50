// NODE_EXTRA_CA_CERTS without its start-up cost. Node reads the certificate
// file that variable names before any JavaScript runs (40–60 ms of every
// `tusk` for a 215 KB file), though a command needs those CAs only when it
// opens a TLS connection. So bin/tusk starts Node without the variable and
// keeps its value in TUSK_DEFERRED_CA_CERTS (not for a command given a URL,
// whose fetch or S3 SDK uses Node's own trust store). Here the CLI takes that
// value back: the variable is restored for every process the CLI starts
// (tuskd from `tusk up`), and the client adds the file's CAs to the TLS it
// makes to a grpcs:// daemon (tlsCa in src/client/connection.ts).

/**
 * The CA file Node was started without, restoring NODE_EXTRA_CA_CERTS in `env`; undefined when nothing was
 * deferred (Node then read the variable itself, if set). The hand-over variable is removed either way.
 */
export function takeDeferredCaCerts(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.TUSK_DEFERRED_CA_CERTS;
  delete env.TUSK_DEFERRED_CA_CERTS;
  if (!file || env.NODE_EXTRA_CA_CERTS) return undefined;
  env.NODE_EXTRA_CA_CERTS = file;
  return file;
}
