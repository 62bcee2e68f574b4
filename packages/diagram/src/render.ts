/**
 * DOT to SVG in this process, offline: Graphviz compiled to WebAssembly (`@hpcc-js/wasm-graphviz`,
 * the binary inside the npm package), no browser, no native build, no network. The same DOT gives
 * the same bytes (the layout is deterministic and the SVG carries no date).
 */
import type { Graphviz } from '@hpcc-js/wasm-graphviz';
import { resolvePlan } from '@sluice/model';
import type { Topology } from '@sluice/runtime/contract';
import type { AppSettings } from '@sluice/runtime/settings';
import { topologyDot } from './dot.ts';

let loaded: Promise<Graphviz> | undefined;

/**
 * Lays `dot` out with Graphviz's `dot` engine and returns the SVG document.
 *
 * @throws Error with Graphviz's message when the DOT is not valid
 *
 * @example
 * ```ts
 * import { renderSvg } from '@sluice/diagram';
 *
 * const svg = await renderSvg('digraph { a -> b }');
 * svg.includes('<svg'); // true
 * ```
 */
export async function renderSvg(dot: string): Promise<string> {
  // Imported on the first drawing, not with this module: the package is 0.8 MB of JavaScript
  // (Graphviz's WebAssembly inside it), about 0.1 s of CPU to load, which a process that imports
  // @sluice/diagram and draws nothing (npm start until its console's page is asked for) never needs.
  // A failed import or load is not kept: the next drawing tries again.
  loaded ??= import('@hpcc-js/wasm-graphviz')
    .then(({ Graphviz }) => Graphviz.load())
    .catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
  const graphviz = await loaded;
  return graphviz.layout(dot, 'svg', 'dot');
}

/**
 * An SVG document without its XML prolog and doctype: what goes inside an HTML page.
 *
 * @example
 * ```ts
 * import { inlineSvg, renderSvg } from '@sluice/diagram';
 *
 * const html = `<figure>${inlineSvg(await renderSvg('digraph { a -> b }'))}</figure>`;
 * ```
 */
export function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  if (start < 0) throw new Error('not an SVG document: no <svg element');
  return svg.slice(start);
}

/** What {@link topologySvg} takes. */
export interface TopologySvgInput {
  /** The topology manifest (`generated/topology.json`, or `deriveTopology` of a contract). */
  topology: Topology;
  /** The application's settings (`defineSettings`): functions, tables and alerts. */
  settings: AppSettings;
}

/**
 * The topology's picture: {@link topologyDot} of its deployment plan, rendered by {@link renderSvg}.
 * Checks the settings against the contract first (`resolvePlan`'s `SettingsError`).
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { topologySvg } from '@sluice/diagram';
 * import { topology } from '@orders/contract';
 * import { settings } from '@orders/app/settings';
 *
 * writeFileSync('docs/topology.svg', await topologySvg({ topology, settings }));
 * ```
 */
export async function topologySvg({ topology, settings }: TopologySvgInput): Promise<string> {
  return renderSvg(topologyDot({ topology, plan: resolvePlan({ topology, settings }) }));
}
