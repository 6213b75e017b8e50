// The one checkpoint both front doors use: the gRPC interceptor and the S3
// gateway's dispatcher hand it the caller (as authenticated) and what the
// access table says the call needs; it answers, or throws Unauthenticated /
// PermissionDenied and writes one audit line per refusal (subject, call,
// repo, role: never a token). Off until access control is activated.
import { decide, pipelineOf, type Authenticated, type Authority, type Need } from '../auth/index.js';
import { PermissionDenied, Unauthenticated } from '../errors/index.js';
import type { AccessLookups } from './access-lookups.js';
import type { Logger } from '../log/logger.js';

export class AccessGate {
  constructor(
    readonly authority: Authority,
    readonly lookups: AccessLookups,
    private readonly log: Logger,
  ) {}

  get active(): boolean {
    return this.authority.active;
  }

  /** Who the token speaks for (or why not). Only meaningful when active. */
  authenticate(token: string | undefined): Authenticated {
    return this.authority.authenticate(token);
  }

  /** Throws unless `caller` may make `call`, which needs `need`; a refusal names `action` (default: the call) as what was tried. */
  async check(call: string, caller: Authenticated, need: Need, action = call): Promise<void> {
    if (!this.active || need.kind === 'public') return;
    if (caller.subject === undefined) {
      this.audit('denied', { call, reason: caller.reason });
      throw new Unauthenticated(caller.reason);
    }
    const pipeline = pipelineOf(caller.subject);
    const repos = pipeline !== undefined ? await this.lookups.pipelineRepos(pipeline) : undefined;
    if (pipeline !== undefined && !repos) {
      this.audit('denied', { call, subject: caller.subject, reason: 'pipeline no longer exists' });
      throw new Unauthenticated(`pipeline "${pipeline}" no longer exists`);
    }
    const decision = decide(caller.subject, need, this.authority, repos);
    if (decision.allowed) return;
    this.audit('denied', { call, subject: caller.subject, role: decision.role, ...(decision.repo ? { repo: decision.repo } : {}) });
    throw new PermissionDenied(caller.subject, decision.role, decision.repo, action);
  }

  /** One audit line in the daemon log. */
  audit(action: string, fields: Record<string, unknown>): void {
    this.log.log('info', 'audit', { action, ...fields });
  }
}
