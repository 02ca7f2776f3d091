/**
 * The exhaustive comparison in the HTML report (`compare --exhaustive`): designs × litmus
 * scenarios, one bounded DFS per cell, each cell saying what its certificate says and no
 * more: "proved within bounds" only for a search that was exhausted within its bounds and
 * found nothing, "found at schedule N" for a violation, "not exhausted (N schedules)" for a
 * search that ran out of budget or was cut (never "clean").
 */

import { boundText, branchWindowPhrase } from '../explore/dfs.js';
import { escapeHtml } from './escape.js';
import type { ExhaustiveCell, ExhaustiveTable } from './report-data.js';

/** The words a cell shows (also the terminal table's, so the two never disagree). */
/** What the table's reduction did, for a reader (docs/explorer.md §11, §12). */
function reductionText(r: ExhaustiveTable['reduction']): string {
  const parts: string[] = [];
  if (r === undefined) return '';
  if (r.startsWith('hb-cache')) {
    const what = r.includes('+sleep') ? 'hb-cache and sleep sets' : 'hb-cache';
    parts.push(
      `partial-order reduction (${what}; a scenario’s footprints are conservative, so it merges nothing: docs/explorer.md §11)`,
    );
  }
  if (r.endsWith('symmetry')) {
    parts.push(
      'symmetry reduction (a choice that only renames two fresh workers of one pool is left out: docs/explorer.md §12)',
    );
  }
  return parts.length === 0 ? '' : `${parts.join('; ')}; `;
}

export function exhaustiveCellText(c: ExhaustiveCell): string {
  switch (c.verdict) {
    case 'no violation within these bounds':
      return 'proved within bounds';
    case 'violations found':
      return c.foundAt === null
        ? `found (${c.invariant ?? 'violation'}; schedule index unknown)`
        : `found at schedule ${c.foundAt}`;
    default:
      return `not exhausted (${c.schedules} schedules)`;
  }
}

function cellClass(c: ExhaustiveCell): string {
  if (c.verdict === 'violations found') return 'bad';
  if (c.verdict === 'no violation within these bounds') return 'good';
  return 'unknown';
}

export function renderExhaustive(t: ExhaustiveTable): string {
  const head = t.scenarios.map((s) => `<th scope="col">${escapeHtml(s)}</th>`).join('');
  const rows = t.designs.map((d) => {
    const cells = t.scenarios.map((s) => {
      const c = t.cells[d]?.[s];
      if (c === undefined) return '<td class="unknown">not run</td>';
      const title = `${c.schedules} schedules, ${c.distinctStates} distinct states${c.invariant ? `, ${c.invariant}` : ''}${c.treeSizeEstimate !== null ? `, tree ~${c.treeSizeEstimate}` : ''}`;
      return `<td class="${cellClass(c)}" data-cell="${escapeHtml(`${d}/${s}`)}" title="${escapeHtml(title)}">${escapeHtml(exhaustiveCellText(c))}</td>`;
    });
    return `<tr><th scope="row">${escapeHtml(d)}</th>${cells.join('')}</tr>`;
  });
  return [
    '<section id="exhaustive-section"><h2>Exhaustive: bounded DFS per design and litmus scenario</h2>',
    `<p class="sub">${escapeHtml(
      `Bound: ${boundText(t.boundKind, t.bound)}, ${branchWindowPhrase(t.branchWindow)}, at most ${t.maxSchedules} schedules per cell, seed ${t.seed}; ` +
        reductionText(t.reduction) +
        'one fault draw per cell (the seed’s), time jumps within the kernel horizon. ' +
        '"proved within bounds" covers only those bounds (docs/explorer.md §10).',
    )}</p>`,
    `<div class="table-wrap"><table id="exhaustive"><thead><tr><th></th>${head}</tr></thead>`,
    `<tbody>${rows.join('')}</tbody></table></div></section>`,
  ].join('\n');
}
