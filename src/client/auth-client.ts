// The access-control half of the typed client (AuthApi): activation, who am
// I, tokens, role bindings and S3 keys.
import { AuthApiClient, type ActivateResponse, type RoleBinding, type ClusterRoles, type CreateS3KeyResponse, type GetTokenResponse, type RepoRoles, type WhoAmIResponse } from '../gen/tusk/auth.js';
import { CHANNEL_OPTIONS, connect, watchAnswer, unary, type ConnectOptions } from './connection.js';

export type { ActivateResponse, RoleBinding, ClusterRoles, CreateS3KeyResponse, GetTokenResponse, RepoRoles, WhoAmIResponse };

export class AuthClient {
  readonly auth: AuthApiClient;

  constructor(address: string, options: ConnectOptions = {}) {
    this.auth = new AuthApiClient(...connect(address, CHANNEL_OPTIONS, options));
    watchAnswer(this.auth, options);
  }

  close(): void {
    this.auth.close();
  }

  activate(): Promise<ActivateResponse> {
    return unary((cb) => this.auth.activate({}, cb));
  }
  whoAmI(): Promise<WhoAmIResponse> {
    return unary((cb) => this.auth.whoAmI({}, cb));
  }
  /** Revokes one token, or (subject given) every token of that subject; returns how many. */
  async revoke(what: { token?: string; subject?: string }): Promise<number> {
    return (await unary<{ revoked: number }>((cb) => this.auth.revoke({ token: what.token ?? '', subject: what.subject ?? '' }, cb))).revoked;
  }
  getRobotToken(subject: string, ttlSeconds = 0): Promise<GetTokenResponse> {
    return unary((cb) => this.auth.getRobotToken({ subject, ttlSeconds }, cb));
  }
  setRepoRole(repo: string, role: string, subject: string): Promise<RepoRoles> {
    return unary((cb) => this.auth.setRepoRole({ repo, role, subject }, cb));
  }
  getRepoRoles(repo: string): Promise<RepoRoles> {
    return unary((cb) => this.auth.getRepoRoles({ repo }, cb));
  }
  setClusterRole(role: string, subject: string): Promise<ClusterRoles> {
    return unary((cb) => this.auth.setClusterRole({ role, subject }, cb));
  }
  createS3Key(subject = ''): Promise<CreateS3KeyResponse> {
    return unary((cb) => this.auth.createS3Key({ subject }, cb));
  }
}
