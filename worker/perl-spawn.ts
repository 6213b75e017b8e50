// The part the two perl runners share (the fork server, fork-server.ts, and
// the direct runner, direct-runner.ts): starting one program as Node's
// detached spawn starts it. Perl source, put into each script after its
// `use strict` lines. The program gets stdin from a pipe holding its stdin
// text, or /dev/null (kept open from one program to the next); a process
// group of its own; SIGPIPE as the default (a runner may ignore it, and an
// ignored signal stays ignored across exec); and nothing else between fork and
// exec. Whether exec worked comes back on a close-on-exec pipe: its errno, or
// nothing once the program runs.
export const PERL_SPAWN = String.raw`
my $devnull = 1;

# Points STDIN at a pipe for the program's stdin text when it has one (its write end is returned), else at /dev/null.
sub stdin_for {
  my ($hasIn) = @_;
  my $iw;
  if ($hasIn) { pipe(my $ir, $iw) or die "pipe: $!"; open(STDIN, '<&', $ir) or die "stdin: $!"; close $ir; $devnull = 0; }
  elsif (!$devnull) { open(STDIN, '<', '/dev/null') or die "/dev/null: $!"; $devnull = 1; }
  return $iw;
}

# Forks and execs @$argv (STDIN as stdin_for left it): (its pid, '') once it runs, or (0, errno) when fork or exec
# failed (a child that could not exec is reaped here).
sub spawn_group {
  my ($argv, $hasIn, $iw) = @_;
  pipe(my $fr, my $fw) or die "pipe: $!";
  my $pid = fork();
  return (0, $! + 0) if !defined $pid;
  if ($pid == 0) {
    setpgrp(0, 0);
    $SIG{PIPE} = 'DEFAULT';
    exec { $argv->[0] } @$argv;
    syswrite($fw, $! + 0);
    exit 127;
  }
  close $fw;
  my $failed = '';
  sysread($fr, $failed, 16);
  close $fr;
  if ($hasIn) { open(STDIN, '<', '/dev/null') or die "/dev/null: $!"; $devnull = 1; }
  if ($failed ne '') { close $iw if $hasIn; waitpid($pid, 0); return (0, $failed); }
  return ($pid, '');
}
`;
