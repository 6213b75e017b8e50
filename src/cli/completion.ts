// Shell completion scripts for bash, zsh and fish, generated from the
// command tree itself (verbs, nouns and each command's options), so they
// never drift from what `tusk` accepts. Pure: takes the tree, returns text.
import type { Command } from 'commander';

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

interface Entry {
  /** `create` or `create repo`. */
  path: string;
  children: string[];
  options: string[];
}

function entries(program: Command): Entry[] {
  const out: Entry[] = [{ path: '', children: program.commands.map((c) => c.name()), options: ['--help', '--version'] }];
  const walk = (cmd: Command, path: string) => {
    const names = [cmd.name(), ...cmd.aliases()];
    for (const name of names) {
      const here = path ? `${path} ${name}` : name;
      out.push({ path: here, children: cmd.commands.flatMap((c) => [c.name(), ...c.aliases()]), options: [...cmd.options.flatMap((o) => [o.long, o.short].filter((x): x is string => !!x)), '--help'] });
      for (const sub of cmd.commands) walk(sub, here);
    }
  };
  for (const c of program.commands) walk(c, '');
  return out;
}

export function completionScript(program: Command, shell: Shell): string {
  const all = entries(program);
  const words = (e: Entry) => [...e.children, ...e.options].join(' ');
  if (shell === 'bash' || shell === 'zsh') {
    const cases = all.map((e) => `    ${JSON.stringify(e.path)}) words=${JSON.stringify(words(e))} ;;`).join('\n');
    const body = [
      '_tusk_complete() {',
      '  local i path="" cur="${COMP_WORDS[COMP_CWORD]}"',
      '  for ((i = 1; i < COMP_CWORD; i++)); do',
      '    case "${COMP_WORDS[i]}" in -*) ;; *) [[ -z "$path" ]] && path="${COMP_WORDS[i]}" || { [[ "$path" != *" "* ]] && path="$path ${COMP_WORDS[i]}"; } ;; esac',
      '  done',
      '  local words=""',
      '  case "$path" in',
      cases,
      '  esac',
      '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
      '}',
      'complete -o default -F _tusk_complete tusk',
    ];
    const head = shell === 'zsh' ? ['#compdef tusk', '# tusk completion for zsh (through bashcompinit): source <(tusk completion zsh)', 'autoload -U +X bashcompinit && bashcompinit'] : ['# tusk completion for bash: source <(tusk completion bash)'];
    return [...head, ...body].join('\n') + '\n';
  }
  const lines = ['# tusk completion for fish: tusk completion fish | source', 'complete -c tusk -f'];
  for (const e of all) {
    const parts = e.path ? e.path.split(' ') : [];
    if (parts.length === 0) {
      lines.push(`complete -c tusk -n '__fish_use_subcommand' -a ${JSON.stringify(e.children.join(' '))}`);
    } else if (parts.length === 1 && e.children.length > 0) {
      lines.push(`complete -c tusk -n '__fish_seen_subcommand_from ${parts[0]}; and test (count (commandline -opc)) -eq 2' -a ${JSON.stringify(e.children.join(' '))}`);
    } else if (parts.length === 2 || e.children.length === 0) {
      const cond = parts.length === 2 ? `__fish_seen_subcommand_from ${parts[0]}; and __fish_seen_subcommand_from ${parts[1]}` : `__fish_seen_subcommand_from ${parts[0]}`;
      for (const o of e.options.filter((x) => x.startsWith('--'))) lines.push(`complete -c tusk -n '${cond}' -l ${o.slice(2)}`);
    }
  }
  return lines.join('\n') + '\n';
}
