// Vega-Lite → Vega → SVG, headless (no canvas, no browser, no network): the report's charts are static inline SVG.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The chart as an SVG document string. Throws with the chart's title when Vega-Lite rejects the spec. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  let view: View | undefined;
  try {
    view = new View(parse(compile(spec).spec), { renderer: 'none' });
    return await view.toSVG();
  } catch (e) {
    const title = typeof spec.title === 'string' ? spec.title : 'chart';
    throw new Error(`report: cannot render '${title}': ${(e as Error).message}`);
  } finally {
    view?.finalize();
  }
}
