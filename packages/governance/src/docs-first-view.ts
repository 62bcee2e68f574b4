/**
 * What a reader sees when the rendered contract opens: the messages' fields, constraints, examples
 * and headers, without a click, and inline code as code.
 *
 * Part of it is the HTML template's own `config` parameter (a JSON Merge Patch onto
 * @asyncapi/react-component's config). The rest has no setting in html-template 3.5.6, so
 * `finishDocsPage` patches the page the template wrote.
 *
 * In the browser the page is drawn by the react-component bundled in the template's
 * `js/asyncapi-ui.min.js`, an older build than node_modules/@asyncapi/react-component (which only
 * makes the server-rendered copy that React then replaces). The script below reads that bundle's
 * markup; packages/governance/tests/docs.test.ts fails if a template upgrade changes it.
 */

/**
 * The template's `config` override. react-component's only `expand` setting is
 * `messageExamples`; the Messages section hides its examples panel unless `show.messageExamples`
 * (operations always show theirs).
 */
export const DOCS_TEMPLATE_CONFIG = {
  show: { messageExamples: true },
  expand: { messageExamples: true },
} as const;

/** Marks what `finishDocsPage` adds, so a second pass adds nothing and a reader of the HTML can tell. */
export const FIRST_VIEW_MARKER = 'data-sluice-docs-first-view';

/**
 * Marks the template's server-rendered copy (the first element in `#root`), whose buttons do
 * nothing: React's render replaces it with elements that lack the mark.
 */
const SERVER_COPY_MARKER = 'data-sluice-server-copy';

/**
 * The template's stylesheet applies Tailwind Typography's `prose` defaults, which draw a literal
 * backtick before and after every inline `<code>` (the markdown itself renders to `<code>` fine).
 * This drops those and sets inline code off with a background instead. `pre` blocks are untouched.
 */
const INLINE_CODE_STYLE = `.aui-root .prose :not(pre) > code::before, .aui-root .prose :not(pre) > code::after { content: none; }
.aui-root .prose :not(pre) > code { background: #eef0f3; border-radius: 0.25rem; padding: 0.1em 0.35em; }`;

/**
 * react-component renders every schema collapsed (its `expanded` state starts false and no config
 * reaches it), so this presses each message's own "Expand all" for its Payload and Headers once
 * React has rendered: the fields open with their constraints, as if the reader had clicked.
 *
 * - Clicks must wait for React's render: the page first shows the template's server-rendered copy,
 *   whose buttons do nothing, and React replaces it. `finishDocsPage` marks that copy, so the
 *   script knows React's elements by the missing mark. It used to remember `#root`'s first child
 *   when it ran, and wait for it to change; but this script comes after the app script, and on a
 *   busy machine the browser's parser can pause between the two (the page is 2.6 MB) and React's
 *   scheduled render run in the pause: the script then took React's own page for the copy and
 *   never opened it. Measured under load (six busy processes on two cores), 1 page in 15 stayed
 *   collapsed; with the CPU slowed 8 times in Chromium, 9 in 22.
 * - React draws the page in stages, and on a busy machine a message's schema can come seconds
 *   after the rest. So it watches the page (a MutationObserver on `#root`) and opens each collapsed
 *   message schema when it appears or closes again, until the reader acts (or 2 minutes pass). It
 *   used to stop after three quiet checks 30 ms apart, and a schema drawn later stayed closed.
 * - A click can be undone without a trace: a schema's mount effects (`setExpanded(false)`) may run
 *   after a click that came between React's commit and its effects, and React then draws nothing
 *   new, so no mutation calls the script back. Each round that clicked is checked again 250 ms
 *   later, and clicks again what is still collapsed, until every message schema stays open (in a
 *   trace under load, the same schemas needed three rounds of clicks).
 * - It stops for good as soon as the reader presses a key or a pointer: their clicks win.
 * - The expanded messages push later sections down, so a `#fragment` target is scrolled to again
 *   after each round that opened something.
 */
const EXPAND_SCRIPT = `(() => {
  const root = document.getElementById('root');
  if (!root) return;
  const drawnByReact = () => !!root.firstElementChild && !root.firstElementChild.hasAttribute('${SERVER_COPY_MARKER}');
  let readerActed = false;
  for (const type of ['pointerdown', 'keydown']) addEventListener(type, () => { readerActed = true; }, { capture: true, once: true });
  const collapsedMessageSchemas = () => Array.from(root.querySelectorAll('button')).filter((button) => {
    if (button.textContent !== 'Expand all') return false;
    // Next to the schema's name, its collapse toggle. Property names are italic: a property that
    // happens to be called "Headers" is not a message's headers.
    const toggle = button.previousElementSibling;
    return !!toggle && /^(Payload|Headers)$/.test(toggle.textContent.trim()) && !toggle.querySelector('.italic');
  });
  const scrollToTarget = () => {
    let target = null;
    try { target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1))); } catch {}
    if (target) target.scrollIntoView();
  };
  let timer = null;
  let dueAt = Infinity;
  let stopped = false;
  const stop = () => {
    stopped = true;
    observer.disconnect();
    clearTimeout(timer);
  };
  // One round pending at a time, at the earliest time asked for.
  const schedule = (ms) => {
    if (stopped || Date.now() + ms >= dueAt) return;
    clearTimeout(timer);
    dueAt = Date.now() + ms;
    timer = setTimeout(open, ms);
  };
  const open = () => {
    dueAt = Infinity;
    if (readerActed) return stop();
    if (!drawnByReact()) return;
    const collapsed = collapsedMessageSchemas();
    for (const button of collapsed) button.click();
    if (collapsed.length === 0) return;
    scrollToTarget();
    // Did the clicks hold? React may undo one and draw nothing (see above).
    schedule(250);
  };
  // Rounds 30 ms apart at most, however many changes React makes meanwhile.
  const observer = new MutationObserver(() => schedule(30));
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  setTimeout(stop, 120000);
  open();
})();`;

/** `&`, `<`, `>` and `"` as HTML writes them in text. */
const htmlText = (text: string) => text.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);

/** Where the last match of `pattern` (global) before `limit` starts, and its length; undefined when none. */
function lastMatchBefore(html: string, pattern: RegExp, limit: number): { index: number; length: number } | undefined {
  let last: { index: number; length: number } | undefined;
  for (const match of html.matchAll(pattern)) {
    if (match.index >= limit) break;
    last = { index: match.index, length: match[0].length };
  }
  return last;
}

/**
 * Makes the contract's own text inert in the page html-template wrote: the template writes the
 * title and version into `<title>` unescaped, and the whole document as JSON into its app script
 * (`const schema = {…};`), where a `</script>` in any description, example or title ends the
 * script (the rest of the contract then runs as HTML, a `<script>` in it as script, and React
 * never draws the page). Here the title is escaped as HTML text, and every `<` of the embedded
 * JSON is written `\u003c` (in JSON a `<` can only be inside a string, where `\u003c` is the same
 * character): the page shows the same text, and nothing in the contract is markup.
 * Throws when the page does not have what the template writes (a template upgrade changed it), so
 * that a page is never written with the contract's text live.
 *
 * @param html - the page as the template wrote it
 * @param info - the contract's `info.title` and `info.version`, as the template wrote them
 * @returns the page with the contract's text inert
 * @throws Error when the page lacks the template's `<title>` or its app script's `const schema`
 *
 * @example
 * ```ts
 * import { readFileSync, writeFileSync } from 'node:fs';
 * import { contractTextInert } from '@sluice/governance';
 *
 * const page = 'docs-out/index.html';
 * writeFileSync(page, contractTextInert(readFileSync(page, 'utf8'), { title: 'Orders pipeline', version: '1.1.0' }));
 * ```
 */
export function contractTextInert(html: string, info: { title: string; version: string }): string {
  const unchanged = (what: string) => new Error(`The page written by @asyncapi/html-template has no ${what} where this version writes it: update contractTextInert in packages/governance/src/docs-first-view.ts for this template version.`);
  // The template's head comes first, before any of the contract's text.
  const rawTitle = `<title>${info.title} ${info.version} documentation</title>`;
  const titleAt = html.indexOf(rawTitle);
  if (titleAt === -1 || titleAt !== html.indexOf('<title>')) throw unchanged('<title> naming the contract');
  let page = html.slice(0, titleAt) + `<title>${htmlText(`${info.title} ${info.version} documentation`)}</title>` + html.slice(titleAt + rawTitle.length);
  // The app script is the last: `const schema = {…};` then `const config = {…};` (the template's
  // own configuration, no text of the contract), each on a line of its own, before the render
  // call. The JSON holds no raw line break (JSON escapes them in strings), and none of its lines
  // starts with `const`, so the last such line before the render call is the template's.
  const render = page.lastIndexOf('AsyncApiStandalone.render(');
  const config = render === -1 ? undefined : lastMatchBefore(page, /\n[ \t]*const config = /g, render);
  const schema = config === undefined ? undefined : lastMatchBefore(page, /\n[ \t]*const schema = /g, config.index);
  if (!config || !schema) throw unchanged("app script with `const schema = …; const config = …;` before `AsyncApiStandalone.render(`");
  const start = schema.index + schema.length;
  page = page.slice(0, start) + page.slice(start, config.index).replaceAll('<', '\\u003c') + page.slice(config.index);
  return page;
}

/**
 * Adds the inline-code style and the expand script to the page html-template wrote.
 * Throws when the page does not look like the template's (a template upgrade changed it), so the
 * docs never silently fall back to the collapsed view.
 *
 * @returns the finished page; a page that already has them is returned unchanged
 * @throws Error when the page lacks what the template writes (a template upgrade changed it)
 *
 * @example
 * ```ts
 * import { readFileSync, writeFileSync } from 'node:fs';
 * import { finishDocsPage } from '@sluice/governance';
 *
 * const page = 'docs-out/index.html';
 * writeFileSync(page, finishDocsPage(readFileSync(page, 'utf8')));
 * ```
 */
export function finishDocsPage(html: string): string {
  if (html.includes(FIRST_VIEW_MARKER)) return html;
  for (const expected of ['<div id="root">', 'AsyncApiStandalone.render(', '</head>', '</body>']) {
    if (!html.includes(expected)) {
      throw new Error(`The page written by @asyncapi/html-template has no ${JSON.stringify(expected)}: update packages/governance/src/docs-first-view.ts for this template version.`);
    }
  }
  // The inlined bundle holds `</head>` and `</body>` in strings: the first `</head>` closes the
  // head, and the last `</body>` comes after the template's app script. `#root` comes once, before
  // the scripts; its first tag is the server-rendered copy's (none: nothing to mark).
  const marked = html.replace(/(<div id="root">\s*<[A-Za-z][\w-]*)/, `$1 ${SERVER_COPY_MARKER}`);
  const head = marked.indexOf('</head>');
  const body = marked.lastIndexOf('</body>');
  return (
    marked.slice(0, head) +
    `<style ${FIRST_VIEW_MARKER}>\n${INLINE_CODE_STYLE}\n</style>\n` +
    marked.slice(head, body) +
    `<script ${FIRST_VIEW_MARKER}>\n${EXPAND_SCRIPT}\n</script>\n` +
    marked.slice(body)
  );
}
