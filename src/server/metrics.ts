// Counters the daemon exposes at /metrics (Prometheus text format).

export class Metrics {
  private readonly counters = new Map<string, { help: string; value: number }>();
  private readonly started = Date.now();

  inc(name: string, help: string, by = 1): void {
    const c = this.counters.get(name) ?? { help, value: 0 };
    c.value += by;
    this.counters.set(name, c);
  }

  render(): string {
    const lines = [
      '# HELP tusk_up 1 while the daemon serves.',
      '# TYPE tusk_up gauge',
      'tusk_up 1',
      '# HELP tusk_uptime_seconds Seconds since the daemon started.',
      '# TYPE tusk_uptime_seconds gauge',
      `tusk_uptime_seconds ${((Date.now() - this.started) / 1000).toFixed(0)}`,
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${process.memoryUsage().rss}`,
    ];
    for (const [name, c] of this.counters) lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`, `${name} ${c.value}`);
    return lines.join('\n') + '\n';
  }
}
