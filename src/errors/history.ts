// Errors of history removal (`delete commit`, `squash commit`): what stops a
// commit from being removed without breaking the history or provenance of
// others, each naming the commit (`repo@id`) and the commits in the way.
import { FailedPrecondition } from './failed-precondition.js';

/** A commit that other commits were computed from: removing it alone would leave their provenance dangling. */
export class CommitHasDependants extends FailedPrecondition {
  constructor(readonly commit: string, readonly dependants: string[], readonly action: 'delete' | 'squash' = 'delete') {
    super(
      'CommitHasDependants',
      `cannot ${action} ${commit}: ${dependants.length} output commit${dependants.length === 1 ? ' was' : 's were'} computed from it (${dependants.join(', ')}); add --recursive to ${action} ${dependants.length === 1 ? 'it' : 'them'} too`,
      { commit, dependants, action },
    );
  }
}

/** `delete commit` on a commit with children that are not removed with it (squash folds it into them instead). */
export class CommitHasChildren extends FailedPrecondition {
  constructor(readonly commit: string, readonly children: string[]) {
    super('CommitHasChildren', `cannot delete ${commit}: it has children (${children.join(', ')}); only a commit without children is deleted, \`tusk squash commit\` folds it into them`, { commit, children });
  }
}

/** A commit that history removal cannot touch as asked: `reason` says why (no children to squash into, open, a branch head). */
export class CommitNotRemovable extends FailedPrecondition {
  constructor(readonly commit: string, readonly reason: string) {
    super('CommitNotRemovable', `cannot remove ${commit}: ${reason}`, { commit, reason });
  }
}
