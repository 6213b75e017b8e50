// Errors of the secret store (transform.secrets): a secret or one of its keys
// that is not there, or a name already taken. Messages name secrets and keys,
// never values.
import { AlreadyExists } from './already-exists.js';
import { NotFound } from './not-found.js';

export class SecretNotFound extends NotFound {
  constructor(readonly secret: string, message = `secret "${secret}" not found (create it with \`tusk create secret ${secret} --from-literal KEY=VALUE\`)`) {
    super('SecretNotFound', message, { secret });
  }
}

export class SecretExists extends AlreadyExists {
  constructor(readonly secret: string) {
    super('SecretExists', `secret "${secret}" already exists; delete it first (\`tusk delete secret ${secret}\`) to replace it`, { secret });
  }
}
