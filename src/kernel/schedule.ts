/**
 * Compact schedule strings.
 *
 * A schedule is the list of choices made at decision points that had more than one option
 * (forced steps are not recorded: replaying the choices reproduces them). Choice `i` is written
 * as one letter (`a`..`z` for 0..25, `A`..`Z` for 26..51, `(n)` beyond), followed by a decimal
 * repeat count when the same choice repeats. Most schedules are long runs of `a` with a few
 * preemptions, so `a118b a40` style strings stay short enough to paste into a shell:
 * `a118ba40` means 118 times choice 0, once choice 1, 40 times choice 0.
 */

const LOWER_A = 97;
const UPPER_A = 65;

function letter(i: number): string {
  if (i < 26) return String.fromCharCode(LOWER_A + i);
  if (i < 52) return String.fromCharCode(UPPER_A + i - 26);
  return `(${i})`;
}

export function encodeSchedule(choices: ArrayLike<number>): string {
  let out = '';
  let i = 0;
  while (i < choices.length) {
    const c = choices[i] as number;
    let j = i + 1;
    while (j < choices.length && choices[j] === c) j++;
    const run = j - i;
    out += letter(c);
    if (run > 1) out += String(run);
    i = j;
  }
  return out;
}

export class ScheduleSyntaxError extends Error {}

export function decodeSchedule(s: string): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s.charCodeAt(i);
    let value: number;
    if (ch >= LOWER_A && ch < LOWER_A + 26) {
      value = ch - LOWER_A;
      i++;
    } else if (ch >= UPPER_A && ch < UPPER_A + 26) {
      value = ch - UPPER_A + 26;
      i++;
    } else if (ch === 40 /* ( */) {
      const close = s.indexOf(')', i);
      if (close < 0) throw new ScheduleSyntaxError(`unclosed '(' at offset ${i}`);
      value = Number(s.slice(i + 1, close));
      if (!Number.isInteger(value) || value < 0) {
        throw new ScheduleSyntaxError(`bad choice '${s.slice(i, close + 1)}' at offset ${i}`);
      }
      i = close + 1;
    } else {
      throw new ScheduleSyntaxError(`unexpected '${s[i]}' at offset ${i}`);
    }
    let run = 0;
    let digits = 0;
    while (i < s.length) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      run = run * 10 + d;
      digits++;
      i++;
    }
    if (digits > 0 && run < 2) throw new ScheduleSyntaxError(`bad repeat count at offset ${i}`);
    if (run > 10_000_000) throw new ScheduleSyntaxError(`repeat count too large at offset ${i}`);
    const n = digits > 0 ? run : 1;
    for (let k = 0; k < n; k++) out.push(value);
  }
  return out;
}
