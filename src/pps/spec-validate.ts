// Checks over a normalized spec that need the whole input tree: input names are
// unique wherever two inputs can meet in one datum, and none is named "out"
// (that is /pfs/out). Works on specs built in code as well as parsed ones.
import type { SpecProblem } from '../errors/index.js';
import type { Input, PipelineSpec } from './spec.js';

/** Every problem in a normalized spec's inputs; empty if there is none. */
export function validatePipelineSpec(spec: PipelineSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  inputNames(spec.input, 'input', problems);
  return problems;
}

/**
 * The input names a datum of `input` can hold, each with the path of the input that
 * declares it. Children of cross, join and group meet in one datum, so their names must
 * differ; the branches of a union never meet, so they may reuse a name (as in Pachyderm).
 */
function inputNames(input: Input, path: string, problems: SpecProblem[]): Map<string, string> {
  switch (input.type) {
    case 'pfs':
    case 'cron': {
      const leaf = `${path}.${input.type}`;
      if (input.name === 'out') problems.push({ path: `${leaf}.name`, problem: 'an input cannot be named "out" (that is where the code writes its output); set "name" to something else' });
      return new Map([[input.name, leaf]]);
    }
    case 'union': {
      const all = new Map<string, string>();
      input.inputs.forEach((child, i) => {
        for (const [name, where] of inputNames(child, `${path}.union[${i}]`, problems)) if (!all.has(name)) all.set(name, where);
      });
      return all;
    }
    case 'cross':
    case 'join':
    case 'group': {
      const all = new Map<string, string>();
      input.inputs.forEach((child, i) => {
        for (const [name, where] of inputNames(child, `${path}.${input.type}[${i}]`, problems)) {
          const earlier = all.get(name);
          if (earlier !== undefined) {
            problems.push({ path: `${where}.name`, problem: `input name ${JSON.stringify(name)} is also used by ${earlier}; input names must be unique (set "name" on one of them)` });
          } else {
            all.set(name, where);
          }
        }
      });
      return all;
    }
  }
}
