/**
 * Escaping for the HTML report. Every string that reaches the page (violation messages, lane
 * and task names, schedules, notes) comes from a run, and a run's text is data: it must never
 * become markup or script. The helpers are the only way text enters the page.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Serialises data for a `<script type="application/json">` block: `<` is escaped so that no
 * `</script>` or `<!--` inside a string can end the block, and the two line separators that
 * some parsers treat as newlines are escaped too.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Makes third-party code safe to inline in a `<script>` or `<style>` element. */
export function inlineSafe(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`);
}

/** Formats nanoseconds for people: `850 ns`, `12.5 µs`, `3.2 ms`, `1.25 s`. */
export function formatNs(ns: number): string {
  const abs = Math.abs(ns);
  if (abs < 1e3) return `${trim(ns)} ns`;
  if (abs < 1e6) return `${trim(ns / 1e3)} µs`;
  if (abs < 1e9) return `${trim(ns / 1e6)} ms`;
  return `${trim(ns / 1e9)} s`;
}

function trim(v: number): string {
  return String(Number(v.toPrecision(4)));
}
