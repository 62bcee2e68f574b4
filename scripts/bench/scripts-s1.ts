import { benchDecodeValidate } from '/work/wt-bench/scripts/bench/decode-validate.ts';
import { renderMarkdown } from '/work/wt-bench/scripts/bench/bench-table.ts';
console.log(renderMarkdown(await benchDecodeValidate({ quick: true })));
