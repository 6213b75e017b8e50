// The worker protocol: everything a pipeline worker and its sidecar share with
// each other and with the coordinator, apart from the gRPC client itself
// (src/client). Newline-delimited JSON framing for local channels, the
// worker ↔ sidecar operations (checked on receipt), a datum's identity as a
// typed DatumRef, the daemon-gone watch, and the one structured logger. This
// module, src/client and src/errors are all a worker needs; a container
// runtime ships them into user images, so keep it small and free of daemon code.
export { encodeFrame, FrameWriter, LineSplitter, readFrames } from './framing.js';
export { checkRequest, kindOf, serveSidecar, SidecarClient } from './sidecar-protocol.js';
export type { CollectedEntry, DatumFile, EntryKind, DatumInput, Handlers, Op, SidecarOps, SlotDirs } from './sidecar-protocol.js';
export { checkDatumRef } from './datum-ref.js';
export type { DatumRef } from './datum-ref.js';
export { DaemonWatch, DAEMON_GRACE_MS, daemonGraceMs, probeChannel, watchLifeline } from './daemon-watch.js';
export type { ChannelOwner } from './daemon-watch.js';
export { formatDuration } from './duration.js';
export { decodeRunningMark, encodeRunningMark, readRunningMark, RunningMark } from './running-mark.js';
export type { RunningDatum } from './running-mark.js';
export { jsonLogger, silentLogger } from '../log/logger.js';
export type { Level, LogFn, Logger } from '../log/logger.js';
