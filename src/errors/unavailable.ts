// Errors for a backend that cannot be reached or keeps failing after retries.
import { TuskError } from './tusk-error.js';

export class StorageUnavailable extends TuskError {
  constructor(readonly operation: string, readonly reason: string, options?: { cause?: unknown }) {
    super('unavailable', 'StorageUnavailable', `object store unavailable during ${operation}: ${reason}`, { operation, reason }, options);
  }
}

/** tuskd answered over TLS with a certificate this client does not trust (a self-signed one, a wrong name, no CA given). */
export class DaemonUntrusted extends TuskError {
  constructor(readonly reason: string) {
    super(
      'unavailable',
      'DaemonUntrusted',
      `tuskd's TLS certificate is not trusted: ${reason} (set TUSK_TLS_CA to the PEM file of the CA that signed it, or of the certificate itself if it is self-signed)`,
      { reason },
    );
  }
}

/** The Kubernetes runtime has no cluster to talk to (no in-cluster credentials, no kubeconfig). */
export class KubernetesUnavailable extends TuskError {
  constructor(readonly reason: string) {
    super('unavailable', 'KubernetesUnavailable', `TUSK_RUNTIME=kubernetes: ${reason}`, { reason });
  }
}
