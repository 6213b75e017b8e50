// Live updates: one stream of the daemon's change events for the whole page
// (GET /api/events, server-sent events); views say which changes concern
// them and refetch only then. Reconnects after a dropped connection.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { changes, type Change } from './api';

type Listener = (changes: Change[]) => void;
const listeners = new Set<Listener>();
let started = false;

function start(): void {
  if (started) return;
  started = true;
  const loop = async () => {
    for (;;) {
      try {
        await changes((list) => listeners.forEach((l) => l(list)), new AbortController().signal);
      } catch {
        // daemon restarting or unreachable: try again shortly
      }
      await new Promise((r) => setTimeout(r, 2000));
      listeners.forEach((l) => l([{ kind: 'repo' }])); // refetch after a gap: changes may have been missed
    }
  };
  void loop();
}

export interface Loaded<T> {
  data?: T;
  error?: Error;
  reload: () => void;
}

/**
 * Loads `fetcher()` now, again when `deps` change, and whenever a change
 * event passes `concerns` (default: any change).
 */
export function useLive<T>(fetcher: () => Promise<T>, deps: unknown[], concerns: (c: Change) => boolean = () => true): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const generation = useRef(0);
  const load = useCallback(() => {
    const g = ++generation.current;
    fetcher().then(
      (data) => g === generation.current && setState({ data }),
      (error: Error) => g === generation.current && setState((s) => ({ data: s.data, error })),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    setState({});
    load();
  }, [load]);
  const concernsRef = useRef(concerns);
  concernsRef.current = concerns;
  useEffect(() => {
    start();
    const listener: Listener = (list) => {
      if (list.some((c) => concernsRef.current(c))) load();
    };
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, [load]);
  return { ...state, reload: load };
}
