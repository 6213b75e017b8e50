// The address tuskd is reached at when nothing else is said: TUSK_ADDRESS,
// else localhost:1650. Its own module, free of gRPC, so the CLI can resolve an
// address (for `--help` and error messages) without loading the client.
export const DEFAULT_ADDRESS = 'localhost:1650';

export function defaultAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.TUSK_ADDRESS || DEFAULT_ADDRESS;
}
