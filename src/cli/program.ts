// The `tusk` command tree: verbs (`create`, `list`, ...) holding nouns
// (`repo`, `commit`, ...) as in pachctl, built with commander from the
// command definitions. Commander's own errors (unknown command or option,
// missing argument) are printed as `tusk: ...` and thrown instead of exiting,
// so main can turn them into exit status 2.
import { Command } from 'commander';
import { fullTimestampsOption, isOutputFormatOption, rawOption, type CommandDef } from './command.js';
import type { CliContext } from './context.js';
import { oneLine as escapeControls } from '../errors/index.js';

const VERBS: Record<string, string> = {
  create: 'Create a repo, a branch or pipelines.',
  update: 'Make a new version of a pipeline, or change a repo\'s description.',
  list: 'List repos, commits, branches, files, pipelines, jobs or datums.',
  inspect: 'Show the details of a repo, commit, branch, file, pipeline, job or datum.',
  delete: 'Delete a repo, branch, file, pipeline or job.',
  start: 'Open a commit, or restart a paused pipeline.',
  stop: 'Pause a pipeline, or stop a job.',
  validate: 'Check a pipeline spec without creating anything.',
  edit: 'Edit a pipeline\'s spec in $EDITOR.',
  run: 'Run a pipeline now, or tick its cron inputs.',
  rerun: 'Run a pipeline again as a new version of the spec it has.',
  experiment: 'List, compare, promote or delete experiment branches.',
  restart: 'Run a datum again.',
  finish: 'Finish an open commit.',
  wait: 'Wait for a commit or a job to finish.',
  put: 'Put files into a repo.',
  get: 'Get a file out of a repo.',
  glob: 'Find files by pattern.',
  copy: 'Copy files by reference.',
  subscribe: 'Follow a branch\'s new commits.',
  find: 'Find the commits that changed a path.',
  diff: 'Compare two commits.',
  squash: 'Fold a commit into its children.',
  render: 'Print what a runtime would make of a pipeline spec.',
  config: 'Save and choose contexts: the daemons this CLI talks to.',
  next: 'Ask for the next datum (from user code with datum_batching).',
  auth: 'Access control: activate it, log in, tokens, roles and S3 keys.',
  'auth set': 'Bind a role on a repo or cluster-wide.',
  'auth get': 'Show the roles bound on a repo.',
};

/** `beforeRun` is awaited before a command's action runs (not for --help or a usage error). */
export function buildProgram(ctx: CliContext, commands: readonly CommandDef[], beforeRun?: (def: CommandDef) => Promise<void>): Command {
  const program = new Command('tusk')
    .description('Version control for data: repos of files with commits and branches, and pipelines that run on them, served by tuskd.')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out.write(s),
      writeErr: (s) => ctx.err.write(s),
      // Help is wrapped to a terminal's width, else to 80 columns (commander's own answers would create
      // process.stdout and stderr, see stdio.ts). Its help has no colors: hasColors only decides whether
      // commander strips them.
      getOutHelpWidth: () => ctx.out.columns() ?? 80,
      getErrHelpWidth: () => ctx.err.columns() ?? 80,
      getOutHasColors: () => ctx.out.hasColors(),
      getErrHasColors: () => ctx.err.hasColors(),
      outputError: (s, write) => write(`tusk: ${usageLine(s)}\n`),
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nThe daemon is found at $TUSK_ADDRESS, else at the port recorded by `tusk up` in $TUSK_HOME (default ~/.tusk), else localhost:1650.\n' +
        'Every command takes -o json (or --raw, as in pachctl) and -o yaml (get file: -o is the local file). Plural nouns work too (list repos). Exit status: 0 success, 1 error, 2 usage error.\n\n' +
        'Example:\n  $ tusk up && tusk create repo images && tusk put file images@master -f ./photos -r',
    );
  const verbs = new Map<string, Command>();
  for (const def of commands) {
    let parent = program;
    // Every word but the last is a group (`create`, `auth`, `auth set`), made on first use.
    for (let i = 0; i < def.words.length - 1; i++) {
      const path = def.words.slice(0, i + 1).join(' ');
      let group = verbs.get(path);
      if (!group) {
        group = parent.command(def.words[i]!).description(VERBS[path] ?? '');
        const verb = group;
        // `tusk diff images@master`: the hint names this verb and one of its nouns (known once they are all added).
        verb.configureOutput({ outputError: (s, write) => write(`tusk: ${usageLine(s, { verb: path, nouns: verb.commands.map((c) => c.name()) })}\n`) });
        verbs.set(path, group);
      }
      parent = group;
    }
    const noun = def.words[def.words.length - 1]!;
    const cmd = parent.command(noun).description(def.summary);
    // Plural nouns are aliases, as in pachctl (`list repos`, `list branches`); not for the verbs of `auth`,
    // `config` and `experiment` (`auth logins` is no word).
    if (def.words.length === 2 && !NO_PLURALS.has(def.words[0])) cmd.alias(pluralOf(noun));
    cmd.addHelpText('after', `\nExample${def.examples.length > 1 ? 's' : ''}:\n${def.examples.map((e) => `  $ ${e}`).join('\n')}`);
    if (beforeRun) cmd.hook('preAction', () => beforeRun(def));
    def.define(cmd, ctx);
    if (cmd.options.some(isOutputFormatOption)) cmd.addOption(rawOption()).addOption(fullTimestampsOption());
  }
  for (const [verb, cmd] of verbs) {
    const nouns = cmd.commands.map((c) => c.name());
    if (!verb.includes(' ') && !cmd.commands[0]?.commands.length) cmd.addHelpText('after', `\nExample:\n  $ tusk ${verb} ${nouns[0]} --help`);
  }
  return program;
}

/** First words whose command needs the whole tree: `tusk help ...`, and `completion`, which prints it. */
const WHOLE_TREE = new Set(['help', 'completion']);

/**
 * The commands a command line can reach: those under its first word when that
 * names a command or a group (`tusk version --help` builds one command, not the
 * ~60 of the tree: that took ~10 ms of every start); else all of them, for
 * `tusk --help`, `tusk help ...`, completion, and the suggestion after a typo.
 */
export function reachableCommands(argv: readonly string[], commands: readonly CommandDef[]): readonly CommandDef[] {
  const first = argv[0];
  if (first === undefined || first.startsWith('-') || WHOLE_TREE.has(first)) return commands;
  const reached = commands.filter((def) => def.words[0] === first);
  return reached.length > 0 ? reached : commands;
}

/** Groups whose second word is a verb, not a noun: no plural alias. */
const NO_PLURALS = new Set(['auth', 'config', 'experiment']);

function pluralOf(noun: string): string {
  if (/(s|x|ch|sh)$/.test(noun)) return noun + 'es';
  return noun + 's';
}

/**
 * Commander's error as one line: its suggestion (`(Did you mean create?)`,
 * printed on a line of its own) joins the message, and a control character in
 * the word it names (`tusk $'cre\nate'`) is shown escaped.
 */
export function usageLine(commanderMessage: string, group?: VerbGroup): string {
  const message = commanderMessage.replace(/^error: /, '').replace(/\n$/, '');
  return escapeControls(habitHint(message, group) ?? message.replace(/\n(\(Did you mean [^\n]*\?\))$/, ' $1'));
}

/** The verb whose noun was not found (`diff`, `auth set`) and its nouns. */
interface VerbGroup {
  verb: string;
  nouns: readonly string[];
}

/** git and lakectl words a new user types, and what tusk calls them. */
const HABITS: Record<string, string> = {
  log: 'tusk list commit REPO[@BRANCH]; tusk logs is for pipelines',
  ls: 'tusk list file REPO@BRANCH[:/DIR]',
  cat: 'tusk get file REPO@REF:/PATH',
  show: 'tusk inspect commit REPO@REF',
  add: 'tusk put file REPO@BRANCH:/PATH -f LOCAL',
  upload: 'tusk put file REPO@BRANCH:/PATH -f LOCAL',
  commit: 'tusk put file (one commit per call), or tusk start commit REPO@BRANCH ... tusk finish commit REPO@BRANCH',
  rm: 'tusk delete file REPO@BRANCH:/PATH',
  cp: 'tusk copy file SRC DST',
  branch: 'tusk list branch REPO, or tusk create branch REPO@BRANCH --head REF',
  tag: 'tusk create branch REPO@NAME --head REF; a branch that is not moved serves as a tag',
  checkout: 'tusk get file -r REPO@BRANCH:/ -o DIR; there is no working copy: each ref names its branch, REPO@BRANCH',
  switch: 'tusk get file -r REPO@BRANCH:/ -o DIR; there is no working copy: each ref names its branch, REPO@BRANCH',
  clone: 'tusk get file -r REPO@BRANCH:/ -o DIR',
  merge: 'tusk experiment promote BRANCH, which fast-forwards the main line to it',
  reset: 'tusk create branch REPO@BRANCH --head REF, which moves the branch to REF',
  fs: 'tusk list|get|put|delete file REPO@BRANCH:/PATH for lakectl fs ls|cat|upload|rm',
};

/** Words a user tries for making an experiment, which is a plain branch. */
const EXPERIMENT_MAKERS = new Set(['create', 'new', 'start', 'branch']);

/** For an unknown command that is a git or lakectl habit, or a ref where a noun belongs: what to type instead. */
function habitHint(message: string, group?: VerbGroup): string | undefined {
  const unknown = /^unknown command '([^'\n]*)'/.exec(message);
  if (!unknown) return undefined;
  const word = unknown[1]!;
  if (word.includes('@')) {
    if (!group) return `unknown command '${word}': a ref goes after a verb and a noun, e.g. tusk list file ${word}`;
    const noun = ['file', 'commit'].find((n) => group.nouns.includes(n)) ?? group.nouns[0];
    return `unknown command '${word}': a ref goes after the noun, e.g. tusk ${group.verb} ${noun} ${word}`;
  }
  if (group?.verb === 'experiment' && EXPERIMENT_MAKERS.has(word)) {
    return `unknown command '${word}': an experiment is a branch, made with tusk create branch REPO@NAME --head master on an input repo (then put files or update a pipeline with --branch NAME)`;
  }
  const hint = !group && Object.hasOwn(HABITS, word) ? HABITS[word] : undefined;
  return hint ? `unknown command '${word}' (try ${hint})` : undefined;
}
