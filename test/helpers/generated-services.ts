// Every gRPC service in the generated code (src/gen), found by walking the
// modules' exports, so tests that must cover every method (the access table)
// learn about a new method without being told.
import type { MethodDefinition } from '@grpc/grpc-js';
import * as admin from '../../src/gen/tusk/admin.js';
import * as auth from '../../src/gen/tusk/auth.js';
import * as pfs from '../../src/gen/tusk/pfs.js';
import * as pps from '../../src/gen/tusk/pps.js';

export type ServiceDefinition = Record<string, MethodDefinition<unknown, unknown>>;

/** Service name (e.g. PfsApiService) → its definition. */
export function generatedServices(): Map<string, ServiceDefinition> {
  const services = new Map<string, ServiceDefinition>();
  for (const mod of [admin, auth, pfs, pps]) {
    for (const [name, value] of Object.entries(mod)) {
      if (!name.endsWith('Service') || typeof value !== 'object' || value === null) continue;
      const methods = Object.values(value as Record<string, { path?: unknown }>);
      if (methods.length > 0 && methods.every((m) => typeof m.path === 'string')) services.set(name, value as ServiceDefinition);
    }
  }
  return services;
}

/** Every method's gRPC path, sorted. */
export function generatedMethods(): string[] {
  return [...generatedServices().values()].flatMap((s) => Object.values(s).map((m) => m.path)).sort();
}
