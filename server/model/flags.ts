// One codec for TCP flags as packetdrill writes them: letters in packetdrill's (and tcpdump
// 4.1.1's) order F S R P . U E W, so a packet reads the same in the step log, the timeline and the
// match report.

import { TCPHDR_ACK, TCPHDR_CWR, TCPHDR_ECE, TCPHDR_FIN, TCPHDR_PSH, TCPHDR_RST, TCPHDR_SYN, TCPHDR_URG } from './tcp/constants';

const LETTERS: Array<[number, string]> = [
  [TCPHDR_FIN, 'F'],
  [TCPHDR_SYN, 'S'],
  [TCPHDR_RST, 'R'],
  [TCPHDR_PSH, 'P'],
  [TCPHDR_ACK, '.'],
  [TCPHDR_URG, 'U'],
  [TCPHDR_ECE, 'E'],
  [TCPHDR_CWR, 'W'],
];

/** The flag letters of a header, `-` when no flag is set. */
export function flagLetters(flags: number): string {
  let s = '';
  for (const [bit, c] of LETTERS) if (flags & bit) s += c;
  return s || '-';
}

/** The header bits of packetdrill's flag letters (`.` is ACK); letters it has no bit for are
 * returned as `unknown`. */
export function parseFlagLetters(letters: string): { bits: number; unknown: string[] } {
  let bits = 0;
  const unknown: string[] = [];
  for (const c of letters) {
    if (c === '-') continue;
    const hit = LETTERS.find(([, l]) => l === c);
    if (hit) bits |= hit[0];
    else unknown.push(c);
  }
  return { bits, unknown };
}
