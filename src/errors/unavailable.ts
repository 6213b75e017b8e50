// Errors for a backend that cannot be reached or keeps failing after retries.
import { TuskError } from './tusk-error.js';

export class StorageUnavailable extends TuskError {
  constructor(readonly operation: string, readonly reason: string, options?: { cause?: unknown }) {
    super('unavailable', 'StorageUnavailable', `object store unavailable during ${operation}: ${reason}`, { operation, reason }, options);
  }
}

/** The Kubernetes runtime has no cluster to talk to (no in-cluster credentials, no kubeconfig). */
export class KubernetesUnavailable extends TuskError {
  constructor(readonly reason: string) {
    super('unavailable', 'KubernetesUnavailable', `TUSK_RUNTIME=kubernetes: ${reason}`, { reason });
  }
}
