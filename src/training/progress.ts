// Progress on stderr: on a terminal one line rewritten in place (epoch, bar, loss, throughput, ETA); otherwise
// (pipes, CI logs) one plain line per epoch. Results go to stdout elsewhere, so piping stdout stays clean.

export interface ProgressSink {
  step(epoch: number, step: number, steps: number, loss: number, pairsPerSec: number, etaSec: number): void;
  /** End of an epoch: `persist` lines (evaluations) always stay; others only on non-terminals. */
  epochEnd(line: string, persist?: boolean): void;
  message(line: string): void;
  done(): void;
}

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '--:--';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatRate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

export function silentProgress(): ProgressSink {
  return { step() {}, epochEnd() {}, message() {}, done() {} };
}

export function streamProgress(stream: NodeJS.WriteStream = process.stderr, epochs = 0): ProgressSink {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let dirty = false;
  const clear = () => {
    if (dirty) {
      stream.write('\r\x1b[2K');
      dirty = false;
    }
  };
  return {
    step(epoch, step, steps, loss, rate, eta) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && step < steps) return; // redraw at most 10×/s
      last = now;
      const width = 24;
      const filled = Math.round((width * step) / Math.max(1, steps));
      const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? '>' : '') + ' '.repeat(width - filled);
      const ep = epochs ? `${epoch}/${epochs}` : `${epoch}`;
      stream.write(`\r\x1b[2Kepoch ${ep} [${bar}] loss ${loss.toFixed(4)} ${formatRate(rate)} pairs/s ETA ${formatDuration(eta)}`);
      dirty = true;
    },
    epochEnd(line, persist = false) {
      if (tty && !persist) {
        stream.write(`\r\x1b[2K${line}`);
        dirty = true;
        return;
      }
      clear();
      stream.write(line + '\n');
    },
    message(line) {
      clear();
      stream.write(line + '\n');
    },
    done() {
      clear();
    },
  };
}
