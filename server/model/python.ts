// The little Python the selftests write in %{ }% blocks: assignments, `print(...)` and asserts on
// tcp_info fields (tcpi_*), e.g. `cwnd += 1; assert tcpi_snd_cwnd == cwnd, tcpi_snd_cwnd`.
// Variables persist across blocks as in packetdrill. Anything else is reported, not guessed.

import { TCP_STATE_NUMBER } from './tcp/api';
import type { TcpState } from './tcp/types';

export interface PyCheck {
  text: string;
  ok: boolean;
  got: number;
}

export interface PyOutcome {
  checks: PyCheck[];
  unsupported: string[];
}

const OPS: Record<string, (a: number, b: number) => boolean> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
};

/** Names packetdrill defines for the Python code (code.c): the states tcpi_ca_state reports. */
const PRELUDE: Record<string, number> = { TCP_CA_Open: 0, TCP_CA_Disorder: 1, TCP_CA_CWR: 2, TCP_CA_Recovery: 3, TCP_CA_Loss: 4 };

export function runPython(code: string, vars: Map<string, number>, info: Record<string, number> | undefined): PyOutcome {
  const out: PyOutcome = { checks: [], unsupported: [] };
  const value = (expr: string): number | string => {
    // integers, names and + - * between them; returns the reason text when it cannot evaluate
    const toks = expr
      .trim()
      .split(/\s*([+\-*])\s*/)
      .filter((t) => t !== '');
    let acc = 0;
    let op = '+';
    for (const t of toks) {
      if (t === '+' || t === '-' || t === '*') {
        op = t;
        continue;
      }
      let v: number | undefined;
      if (/^-?\d+$/.test(t)) v = Number(t);
      else if (/^tcpi_\w+$/.test(t)) {
        if (!info) return 'tcp_info with no connected socket';
        v = info[t.slice(5)];
        if (v === undefined) return `tcp_info field ${t}`;
      } else if (/^[A-Za-z_]\w*$/.test(t)) {
        // packetdrill's python prelude names the CA states (TCP_CA_Open...) and the TCP states
        // (TCP_ESTABLISHED, TCP_CLOSE_WAIT...).
        v =
          vars.get(t) ??
          (Object.hasOwn(PRELUDE, t) ? PRELUDE[t] : t.startsWith('TCP_') ? TCP_STATE_NUMBER[t.slice(4) as TcpState] : undefined);
        if (v === undefined) return `python name '${t}'`;
      } else return `python expression '${expr.trim()}'`;
      acc = op === '+' ? acc + v : op === '-' ? acc - v : acc * v;
    }
    return acc;
  };
  for (const raw of code.split(/;|\n/)) {
    const st = raw.trim();
    if (!st || st.startsWith('#') || /^print\s*\(/.test(st)) continue;
    const asg = /^([A-Za-z_]\w*)\s*([+\-*]?=)\s*(.+)$/.exec(st);
    const asr = /^assert\s+(.+?)\s*(==|!=|<=|>=|<|>)\s*([^,]+?)\s*(,.*)?$/.exec(st);
    if (asr) {
      const a = value(asr[1]);
      const b = value(asr[3]);
      if (typeof a === 'string' || typeof b === 'string') {
        out.unsupported.push(typeof a === 'string' ? a : (b as string));
        continue;
      }
      out.checks.push({
        text: `${asr[1]} ${asr[2]} ${asr[3]}${typeof b === 'number' && !/^-?\d+$/.test(asr[3].trim()) ? ` (${b})` : ''}`,
        ok: OPS[asr[2]](a, b),
        got: a,
      });
    } else if (asg && !asg[3].startsWith('=')) {
      const v = value(asg[3]);
      if (typeof v === 'string') {
        out.unsupported.push(v);
        continue;
      }
      const prev = vars.get(asg[1]) ?? 0;
      vars.set(asg[1], asg[2] === '=' ? v : asg[2] === '+=' ? prev + v : asg[2] === '-=' ? prev - v : prev * v);
    } else {
      out.unsupported.push(`python statement '${st.slice(0, 40)}'`);
    }
  }
  return out;
}
