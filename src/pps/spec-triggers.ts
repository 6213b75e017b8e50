// `input.pfs.trigger` in a pipeline spec: as in Pachyderm, creating the
// pipeline gives the input branch a trigger on another branch of its repo
// (`repo@branch` follows `repo@trigger.branch`), so the pipeline runs when the
// trigger fires instead of on every commit. Pachyderm's later name for the
// cron condition, `rate_limit_spec`, counts as `cron_spec`. The triggers are
// checked (without I/O) before anything is created, then set on the branches.
import type { TriggerRecord } from '../pfs/index.js';
import type { PfsBranches } from './pfs-access.js';
import { checkTrigger } from '../pfs/index.js';
import type { Input, PfsInput, PipelineSpec } from './spec.js';

export interface SpecTrigger {
  repo: string;
  branch: string;
  trigger: TriggerRecord;
}

/** The branch triggers a spec asks for, checked: throws InvalidTrigger naming the value. */
export function specTriggers(spec: Pick<PipelineSpec, 'input'>): SpecTrigger[] {
  const out: SpecTrigger[] = [];
  for (const input of pfsInputs(spec.input)) {
    const t = input.trigger;
    if (!t) continue;
    const trigger: TriggerRecord = { branch: t.branch, all: t.all, cronSpec: t.cronSpec ?? t.rateLimitSpec ?? '', size: t.size ?? '', commits: t.commits ?? 0 };
    out.push({ repo: input.repo, branch: input.branch, trigger: checkTrigger(input.branch, trigger) });
  }
  return out;
}

/** Sets each trigger on its branch (creating the branch, empty, if needed); TriggerCycle if one would close a loop. */
export async function applySpecTriggers(pfs: { branches: PfsBranches }, triggers: readonly SpecTrigger[]): Promise<void> {
  for (const t of triggers) await pfs.branches.create(t.repo, t.branch, undefined, t.trigger);
}

function pfsInputs(input: Input): PfsInput[] {
  if (input.type === 'pfs') return [input];
  if (input.type === 'cron') return [];
  return input.inputs.flatMap(pfsInputs);
}
