import { describe, expect, it } from 'vitest';
import { InvalidSpec, isTuskError } from '../errors/index.js';
import { normalizePipelineSpec, parsePipelineSpec, parsePipelineSpecs } from './spec-parse.js';
import { MAX_SPEC_YAML_TOKENS } from './spec-text.js';

// Specs in the shape of Pachyderm's own examples (opencv edges/montage, joins, group).
const EDGES = `{
  "pipeline": { "name": "edges" },
  "description": "A pipeline that performs image edge detection by using the OpenCV library.",
  "transform": { "cmd": ["python3", "/edges.py"], "image": "pachyderm/opencv:1.0" },
  "input": { "pfs": { "repo": "images", "glob": "/*" } }
}`;

const MONTAGE = `{
  "pipeline": { "name": "montage" },
  "description": "A pipeline that combines images from the images and edges repositories into a montage.",
  "input": { "cross": [ { "pfs": { "glob": "/", "repo": "images" } }, { "pfs": { "glob": "/", "repo": "edges" } } ] },
  "transform": {
    "cmd": ["sh"],
    "image": "dpokidov/imagemagick:7.1.0-23",
    "stdin": ["montage -shadow -background SkyBlue -geometry 300x300+2+2 $(find -L /pfs/images /pfs/edges -type f | sort) /pfs/out/montage.png"]
  }
}`;

const OUTER_JOIN = `{
  "pipeline": { "name": "outer_join" },
  "description": "Lists all returns by zipcode joining stores and returns information.",
  "input": {
    "join": [
      { "pfs": { "repo": "stores", "branch": "master", "glob": "/STOREID(*).txt", "join_on": "$1", "outer_join": true } },
      { "pfs": { "repo": "returns", "branch": "master", "glob": "/*_STOREID(*).txt", "join_on": "$1", "outer_join": true } }
    ]
  },
  "transform": { "cmd": ["python", "outer/main.py"], "image": "pachyderm/example-joins-inner-outer:2.1.0" }
}`;

const OUTER_JOIN_CAMEL = `{
  "pipeline": { "name": "outer_join" },
  "description": "Lists all returns by zipcode joining stores and returns information.",
  "input": {
    "join": [
      { "pfs": { "repo": "stores", "branch": "master", "glob": "/STOREID(*).txt", "joinOn": "$1", "outerJoin": true } },
      { "pfs": { "repo": "returns", "branch": "master", "glob": "/*_STOREID(*).txt", "joinOn": "$1", "outerJoin": true } }
    ]
  },
  "transform": { "cmd": ["python", "outer/main.py"], "image": "pachyderm/example-joins-inner-outer:2.1.0" }
}`;

const GROUP_YAML = `
pipeline:
  name: group_by_hospital
description: Groups lab test results files by hospital using the file naming pattern.
input:
  group:
    - pfs:
        repo: labresults
        branch: master
        glob: "/*-CLIA(*).txt"
        groupBy: "$1"
transform:
  cmd: [bash]
  stdin:
    - mkdir -p /pfs/out/\${PACH_DATUM_labresults_GROUP_BY}/
    - cp /pfs/labresults/* /pfs/out/\${PACH_DATUM_labresults_GROUP_BY}/
`;

function problemsOf(text: string): string[] {
  try {
    parsePipelineSpec(text);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidSpec);
    return (e as InvalidSpec).problems.map((p) => (p.path ? `${p.path}: ${p.problem}` : p.problem));
  }
  throw new Error('spec was accepted');
}

const base = (extra: Record<string, unknown> = {}, transform: Record<string, unknown> = { cmd: ['sh'] }) =>
  JSON.stringify({ pipeline: { name: 'p' }, input: { pfs: { repo: 'r', glob: '/*' } }, transform, ...extra });

describe('parsing Pachyderm example specs as they are', () => {
  it('opencv edges: one pfs input, defaults filled', () => {
    const s = parsePipelineSpec(EDGES);
    expect(s.name).toBe('edges');
    expect(s.input).toEqual({ type: 'pfs', name: 'images', repo: 'images', repoType: 'user', branch: 'master', glob: '/*', lazy: false, emptyFiles: false, outerJoin: false });
    expect(s.transform.cmd).toEqual(['python3', '/edges.py']);
    expect(s.transform.image).toBe('pachyderm/opencv:1.0');
    expect(s.datumTries).toBe(3);
    expect(s.parallelismSpec.constant).toBe(1);
    expect(s.outputBranch).toBe('master');
    expect(s.reprocessSpec).toBe('until_success');
    expect(s.ignoredFields).toEqual([]);
  });

  it('opencv montage: cross of two "/" globs, stdin kept', () => {
    const s = parsePipelineSpec(MONTAGE);
    expect(s.input.type).toBe('cross');
    if (s.input.type !== 'cross') return;
    expect(s.input.inputs.map((i) => (i.type === 'pfs' ? [i.name, i.glob] : []))).toEqual([['images', '/'], ['edges', '/']]);
    expect(s.transform.stdin[0]).toMatch(/^montage /);
  });

  it('outer join: join_on and outer_join on each side; camelCase spelling gives the same spec', () => {
    const s = parsePipelineSpec(OUTER_JOIN);
    expect(s.input.type).toBe('join');
    if (s.input.type !== 'join') return;
    expect(s.input.inputs.map((i) => [i.name, i.glob, i.joinOn, i.outerJoin])).toEqual([
      ['stores', '/STOREID(*).txt', '$1', true],
      ['returns', '/*_STOREID(*).txt', '$1', true],
    ]);
    expect(parsePipelineSpec(OUTER_JOIN_CAMEL)).toEqual(s);
  });

  it('group (YAML, camelCase groupBy, no image)', () => {
    const s = parsePipelineSpec(GROUP_YAML);
    expect(s.input).toMatchObject({ type: 'group', inputs: [{ type: 'pfs', name: 'labresults', glob: '/*-CLIA(*).txt', groupBy: '$1' }] });
    expect(s.transform.image).toBe('');
    expect(s.transform.stdin).toHaveLength(2);
  });

  it('YAML and JSON of the same spec are equal', () => {
    const yaml = `pipeline: {name: edges}\ndescription: "A pipeline that performs image edge detection by using the OpenCV library."\ntransform:\n  cmd: [python3, /edges.py]\n  image: pachyderm/opencv:1.0\ninput:\n  pfs: {repo: images, glob: "/*"}\n`;
    expect(parsePipelineSpec(yaml, 'yaml')).toEqual(parsePipelineSpec(EDGES, 'json'));
  });

  it('a union may reuse an input name (its branches never meet in one datum), with a Pachyderm project on one side', () => {
    const s = parsePipelineSpec(JSON.stringify({
      pipeline: { name: 'edges' },
      input: { union: [{ pfs: { glob: '/*', repo: 'images' } }, { pfs: { glob: '/*', repo: 'images', project: 'staging' } }] },
      transform: { cmd: ['python3', '/edges.py'], image: 'pachyderm/opencv:1.0' },
    }));
    expect(s.input.type).toBe('union');
  });
});

describe('snake_case and camelCase', () => {
  const fields = (camel: boolean) => {
    const k = (snake: string) => (camel ? snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) : snake);
    return JSON.stringify({
      pipeline: { name: 'p', project: { name: 'default' } },
      input: { cross: [
        { pfs: { repo: 'a', glob: '/*', [k('empty_files')]: true, lazy: true, [k('repo_type')]: 'user' } },
        { cron: { name: 'tick', spec: '@every 1m', overwrite: true } },
      ] },
      transform: { cmd: ['sh'], [k('err_cmd')]: ['true'], [k('err_stdin')]: ['x'], [k('accept_return_code')]: [1, 2], [k('working_dir')]: '/w', [k('datum_batching')]: true, env: { A: 'b', N: 3 } },
      [k('parallelism_spec')]: { constant: 4 },
      [k('resource_requests')]: { cpu: 0.5, memory: '64M', gpu: { type: 'nvidia.com/gpu', number: 1 }, disk: '1Gi' },
      [k('resource_limits')]: { cpu: '2', memory: '1G' },
      [k('datum_timeout')]: '1h30m',
      [k('job_timeout')]: '90s',
      [k('datum_tries')]: 5,
      [k('output_branch')]: 'out-branch',
      egress: { URL: 's3://bucket/dir' },
      [k('reprocess_spec')]: 'every_job',
      [k('datum_set_spec')]: { number: 10, [k('size_bytes')]: '1000', [k('per_worker')]: 2 },
      autoscaling: true,
      metadata: { labels: { team: 'x' } },
      tolerations: [{ key: 'k', operator: 'Exists' }],
      [k('pod_patch')]: '[]',
    });
  };

  it('give equal normalized specs, with durations in milliseconds and every field read', () => {
    const snake = parsePipelineSpec(fields(false));
    expect(parsePipelineSpec(fields(true))).toEqual(snake);
    expect(snake.ignoredFields).toEqual([]);
    expect(snake.pod).toEqual({ tolerations: [{ key: 'k', operator: 'Exists', value: '', effect: '' }] });
    expect(snake).toMatchObject({
      project: 'default',
      parallelismSpec: { constant: 4 },
      datumTimeoutMs: 5_400_000,
      jobTimeoutMs: 90_000,
      datumTries: 5,
      outputBranch: 'out-branch',
      egress: { url: 's3://bucket/dir' },
      reprocessSpec: 'every_job',
      datumSetSpec: { number: 10, sizeBytes: 1000, perWorker: 2 },
      autoscaling: true,
      resourceRequests: { cpu: 0.5, memory: '64M', gpu: { type: 'nvidia.com/gpu', number: 1 }, disk: '1Gi' },
      resourceLimits: { cpu: 2, memory: '1G' },
      metadata: { labels: { team: 'x' }, annotations: {} },
      transform: { errCmd: ['true'], errStdin: ['x'], acceptReturnCode: [1, 2], workingDir: '/w', datumBatching: true, env: { A: 'b', N: '3' } },
    });
    expect(snake.input).toMatchObject({ type: 'cross', inputs: [{ emptyFiles: true, lazy: true }, { type: 'cron', name: 'tick', repo: 'p_tick', branch: 'master', glob: '/', overwrite: true }] });
  });

  it('egress accepts url as well as URL', () => {
    expect(parsePipelineSpec(base({ egress: { url: 's3://b/x?endpoint=http://127.0.0.1:9000' } })).egress).toEqual({ url: 's3://b/x?endpoint=http://127.0.0.1:9000' });
    expect(() => parsePipelineSpec(base({ egress: { URL: 'file:///tmp/x' } }))).toThrow(/egress\.URL: "file:\/\/\/tmp\/x" is not an s3:\/\/ URL/);
    expect(() => parsePipelineSpec(base({ egress: { URL: 's3://' } }))).toThrow(/not an s3:\/\/ URL/);
  });

  it('null means unset, as in protojson', () => {
    expect(parsePipelineSpec(base({ description: null, datum_tries: null })).datumTries).toBe(3);
  });
});

describe('spec errors name the field path and the problem', () => {
  it('an invalid glob deep in a cross', () => {
    const text = JSON.stringify({ pipeline: { name: 'p' }, transform: { cmd: ['sh'] }, input: { cross: [{ pfs: { repo: 'a', glob: '/*' } }, { pfs: { repo: 'b', glob: '[a' } }] } });
    expect(problemsOf(text)).toEqual(['input.cross[1].pfs.glob: invalid glob "[a": "[" at position 2 is never closed']);
  });

  it('a missing cmd, a bad name, a bad duration and an unknown field, all at once', () => {
    const text = JSON.stringify({ pipeline: { name: 'a b' }, transform: { image: 'x' }, input: { pfs: { repo: 'r', glob: '/' } }, datum_timeout: '5x', foo: 1 });
    const problems = problemsOf(text);
    expect(problems).toContain('foo: unknown field');
    expect(problems).toContain('transform.cmd: required');
    expect(problems.find((p) => p.startsWith('pipeline.name: invalid name "a b"'))).toBeDefined();
    expect(problems).toContain('datum_timeout: "5x" is not a duration (use e.g. 60s, 5m, 1h30m)');
    try {
      parsePipelineSpec(text);
    } catch (e) {
      expect(isTuskError(e) && e.code === 'InvalidSpec' && e.kind === 'invalid_argument').toBe(true);
      expect((e as Error).message).toContain('foo: unknown field');
    }
  });

  it('unknown fields are named with their full path, as written', () => {
    expect(problemsOf(JSON.stringify({ pipeline: { name: 'p' }, transform: { cmd: ['sh'], cmdd: [] }, input: { pfs: { repo: 'r', globb: '/' , glob: '/'} } }))).toEqual([
      'input.pfs.globb: unknown field (did you mean glob?)',
      'transform.cmdd: unknown field (did you mean cmd?)',
    ]);
  });

  it('names the field a misspelt one is closest to, in the spelling it is closest to', () => {
    expect(problemsOf('pipeline: {name: p}\ninput: {pfs: {repo: r, glob: /*}}\ntransform: {cmd: [sh], stdn: [x]}\nparalelism_spec: {constant: 2}\n')).toEqual([
      'paralelism_spec: unknown field (did you mean parallelism_spec?)',
      'transform.stdn: unknown field (did you mean stdin?)',
    ]);
    expect(problemsOf(JSON.stringify({ pipeline: { name: 'p' }, transform: { cmd: ['sh'] }, input: { pfs: { repo: 'r', glob: '/', joinOnn: '$1' } } }))).toEqual([
      'input.pfs.joinOnn: unknown field (did you mean joinOn?)',
    ]);
    expect(problemsOf(JSON.stringify({ pipeline: { name: 'p' }, transform: { cmd: ['sh'] }, input: { pfs: { repo: 'r', glob: '/' } }, colour: 'red' }))).toEqual([
      'colour: unknown field',
    ]);
  });

  it('missing pipeline, input and glob', () => {
    expect(problemsOf(JSON.stringify({ transform: { cmd: ['sh'] } }))).toEqual(['pipeline: required', 'input: required']);
    expect(problemsOf(base({ input: { pfs: { repo: 'r' } } }))).toEqual(['input.pfs.glob: required']);
  });

  it('duplicate input names name both inputs', () => {
    const text = base({ input: { cross: [{ pfs: { repo: 'r', glob: '/*' } }, { pfs: { repo: 'r', glob: '/' } }] } });
    expect(problemsOf(text)).toEqual(['input.cross[1].pfs.name: input name "r" is also used by input.cross[0].pfs; input names must be unique (set "name" on one of them)']);
    const nested = base({ input: { cross: [{ union: [{ pfs: { repo: 'a', glob: '/*' } }, { pfs: { repo: 'b', name: 'x', glob: '/*' } }] }, { pfs: { repo: 'c', name: 'x', glob: '/' } }] } });
    expect(problemsOf(nested)).toEqual(['input.cross[1].pfs.name: input name "x" is also used by input.cross[0].union[1].pfs; input names must be unique (set "name" on one of them)']);
  });

  it('an input cannot be named out', () => {
    expect(problemsOf(base({ input: { pfs: { repo: 'out', glob: '/' } } }))[0]).toMatch(/^input\.pfs\.name: an input cannot be named "out"/);
  });

  it('join and group rules', () => {
    expect(problemsOf(base({ input: { pfs: { repo: 'r', glob: '/(*)', join_on: '$1' } } }))).toEqual(['input.pfs.join_on: only allowed on an input of a join']);
    expect(problemsOf(base({ input: { join: [{ pfs: { repo: 'r', glob: '/(*)' } }] } }))).toEqual(['input.join[0].pfs.join_on: required in a join']);
    expect(problemsOf(base({ input: { join: [{ pfs: { repo: 'r', glob: '/(*)', joinOn: '$2' } }] } }))[0]).toMatch(/^input\.join\[0\]\.pfs\.joinOn: "\$2" refers to capture group 2, but glob "\/\(\*\)" has 1 group/);
    expect(problemsOf(base({ input: { group: [{ cross: [] }] } }))).toEqual(['input.group[0].cross: a group combines pfs inputs only']);
    expect(problemsOf(base({ input: { group: [{ pfs: { repo: 'r', glob: '/*', group_by: 'k', groupBy: 'k' } }] } }))).toEqual(['input.group[0].pfs.groupBy: given twice (as group_by and groupBy)']);
  });

  it('an input entry must have exactly one kind', () => {
    expect(problemsOf(base({ input: { pfs: { repo: 'r', glob: '/' }, cross: [] } }))).toEqual(['input: has pfs and cross; give exactly one input kind per entry']);
    expect(problemsOf(base({ input: {} }))).toEqual(['input: needs one of pfs, cross, union, join, group, cron']);
    expect(problemsOf(base({ input: { cross: [] } }))).toEqual(['input.cross: needs at least one input']);
  });

  it('cron inputs: name and a real cron expression', () => {
    expect(problemsOf(base({ input: { cron: { spec: '@every 10s' } } }))).toEqual(['input.cron.name: required']);
    expect(problemsOf(base({ input: { cron: { name: 't', spec: 'every minute' } } }))[0]).toMatch(/^input\.cron\.spec: "every minute" is not a cron expression/);
    expect(parsePipelineSpec(base({ input: { cron: { name: 't', spec: '*/10 * * * *', start: '2024-01-01T00:00:00Z' } } })).input).toMatchObject({ type: 'cron', start: '2024-01-01T00:00:00Z' });
  });

  it('type mismatches say what was given', () => {
    expect(problemsOf(base({ datum_tries: 'many' }))).toEqual(['datum_tries: must be a whole number, not string "many"']);
    expect(problemsOf(base({}, { cmd: 'sh -c x' }))).toEqual(['transform.cmd: must be a list, not string "sh -c x"']);
    expect(problemsOf(base({}, { cmd: [] }))).toEqual(['transform.cmd: must name the command to run']);
    expect(problemsOf(base({ reprocess_spec: 'always' }))).toEqual(['reprocess_spec: must be one of "until_success", "every_job", not "always"']);
    expect(problemsOf(base({ resource_limits: { memory: 'lots' } }))).toEqual(['resource_limits.memory: "lots" is not a quantity (use e.g. 512M, 1Gi, 10G)']);
    expect(problemsOf(base({ output_branch: 'a/b' }))[0]).toMatch(/^output_branch: invalid name "a\/b"/);
  });

  it('real Pachyderm fields that would change behaviour if ignored are refused', () => {
    expect(problemsOf(base({ service: { internal_port: 8080 } }))).toEqual(['service: not supported by Tusk']);
    expect(problemsOf(JSON.stringify({ pipeline: { name: 's' }, transform: { cmd: ['true'] }, spout: { service: { internal_port: 8080, external_port: 31000 } } }))).toEqual(['spout.service: not supported by Tusk (a spout here has no service to expose)']);
    expect(problemsOf(base({ spout: { overwrite: true } }))).toEqual(['input: a spout pipeline has no input (its code brings the data in)']);
  });

  it('takes s3_out and input.pfs.s3 (served whole: glob "/")', () => {
    const spec = parsePipelineSpec(base({ s3_out: true, input: { pfs: { repo: 'r', glob: '/', s3: true } } }));
    expect(spec.s3Out).toBe(true);
    expect(spec.input).toMatchObject({ type: 'pfs', name: 'r', s3: true });
    expect(parsePipelineSpec(base({ s3_out: false })).s3Out).toBeUndefined();
    expect(problemsOf(base({ input: { pfs: { repo: 'r', glob: '/*', s3: true } } }))).toEqual(['input.pfs.s3: an S3 input is served whole as one bucket: its glob must be "/" (as Pachyderm requires), not "/*"']);
  });

  it('a spout has no input and one process', () => {
    const spout = parsePipelineSpec(JSON.stringify({ pipeline: { name: 'feed' }, spout: { overwrite: true }, transform: { cmd: ['sh'] } }));
    expect(spout.spout).toEqual({ overwrite: true });
    expect(spout.input).toEqual({ type: 'union', inputs: [] });
    expect(parsePipelineSpec('pipeline: {name: feed}\nspout: {}\ntransform: {cmd: [sh]}\n').spout).toEqual({ overwrite: false });
    expect(problemsOf(JSON.stringify({ pipeline: { name: 'feed' }, spout: {}, transform: { cmd: ['sh'] }, parallelismSpec: { constant: 2 } }))).toEqual(['parallelismSpec: a spout runs one process: parallelism_spec.constant must be 1']);
  });

  it('syntax errors carry a position', () => {
    expect(problemsOf('pipeline:\n  name: [x\n')[0]).toMatch(/^YAML syntax error at line \d+, column \d+/);
    expect(problemsOf('{"pipeline": {"name": "x"}')[0]).toBe('JSON syntax error at line 1, column 1: the object is never closed');
    expect(problemsOf('{"pipeline": {"name": "x"}}}')[0]).toMatch(/^JSON syntax error at line 1, column 28/);
    expect(problemsOf('pipeline: {name: a}\npipeline: {name: b}\n')[0]).toMatch(/^YAML syntax error at line 2/);
  });

  it('a key given twice in one mapping is refused at the repeat, at any depth; the same key in two mappings is not', () => {
    expect(problemsOf('pipeline: {name: a}\ntransform:\n  cmd: [sh]\n  image: x\n  cmd: [bash]\n')).toEqual(['YAML syntax error at line 5, column 3: Map keys must be unique']);
    expect(problemsOf('pipeline:\n  name: a\n  name: b\n')).toEqual(['YAML syntax error at line 3, column 3: Map keys must be unique']);
    expect(parsePipelineSpec('pipeline: {name: a}\ninput: {pfs: {repo: r, glob: /*}}\ntransform: {cmd: [sh], image: x}\n').name).toBe('a');
    // thousands of keys in one mapping: each is checked once (the parser's own check compared every pair)
    const keys = Array.from({ length: 5000 }, (_, i) => `  k${i}: 1\n`).join('');
    expect(problemsOf(`pipeline: {name: a}\nmetadata:\n${keys}  k17: 2\n`)).toEqual(['YAML syntax error at line 5003, column 3: Map keys must be unique']);
  });

  it('YAML past the token bound is refused by name before it is parsed; a long block-scalar script is not', () => {
    const huge = 'pipeline: {name: a}\ntransform:\n  stdin:\n' + '    - x\n'.repeat(30_000);
    expect(problemsOf(huge)).toEqual([`the spec has over ${MAX_SPEC_YAML_TOKENS} YAML tokens; a pipeline spec has a few hundred (put long scripts in a block scalar "|" or in the image)`]);
    const script = 'pipeline: {name: a}\ninput: {pfs: {repo: r, glob: /*}}\ntransform:\n  cmd: [sh]\n  stdin:\n    - |\n' + '      echo a line of the script\n'.repeat(30_000);
    expect(parsePipelineSpec(script).transform.stdin?.[0]?.split('\n')).toHaveLength(30_001);
  });
});

describe('files with several specs', () => {
  it('reads YAML documents and concatenated JSON objects', () => {
    expect(parsePipelineSpecs(`${GROUP_YAML}\n---\n${GROUP_YAML.replace('group_by_hospital', 'second')}`).map((s) => s.name)).toEqual(['group_by_hospital', 'second']);
    expect(parsePipelineSpecs(`${EDGES}\n${MONTAGE}`).map((s) => s.name)).toEqual(['edges', 'montage']);
  });

  it('parsePipelineSpec refuses more than one, and problems say which spec', () => {
    expect(problemsOf(`${EDGES}\n${MONTAGE}`)).toEqual(['the file holds 2 pipeline specs; expected one']);
    expect(() => parsePipelineSpecs(`${EDGES}\n{"pipeline": {"name": "x y"}}`)).toThrow(/spec 2: pipeline\.name: invalid name/);
  });

  it('normalizePipelineSpec takes an object', () => {
    expect(normalizePipelineSpec(JSON.parse(EDGES))).toEqual(parsePipelineSpec(EDGES));
  });
});

describe('Pachyderm 2 input fields and where JSON errors are', () => {
  it('accepts propagation_spec and reference (a reference input is mounted whole)', () => {
    const spec = parsePipelineSpec(JSON.stringify({
      pipeline: { name: 'p' }, transform: { cmd: ['true'] },
      input: { cross: [{ pfs: { repo: 'a', glob: '/*', propagationSpec: { neverSkip: true } } }, { pfs: { repo: 'model', glob: '/*', reference: true } }] },
    }));
    const [a, model] = (spec.input as { inputs: any[] }).inputs;
    expect(a).toMatchObject({ repo: 'a', glob: '/*' });
    expect(a.reference).toBeUndefined();
    expect(model).toMatchObject({ repo: 'model', glob: '/', reference: true });
    expect(() => parsePipelineSpec('pipeline: {name: p}\ntransform: {cmd: ["true"]}\ninput: {pfs: {repo: a, glob: "/*", propagation_spec: {sometimes: 1}}}\n')).toThrow(/input\.pfs\.propagation_spec\.sometimes: unknown field/);
  });

  it('points a JSON syntax error at its line and column', () => {
    const text = '{\n  "pipeline": {"name": "a"},\n  "input": {"pfs": {"repo": "r" "glob": "/*"}}\n}';
    expect(() => parsePipelineSpec(text)).toThrow(/JSON syntax error at line 3, column 33/);
  });
});
