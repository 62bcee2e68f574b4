// Preloaded (`node --import ./scripts/require-node-24.mjs …`) by the npm scripts that run this
// repository's TypeScript sources on Node's own type stripping (Node 24, the `node`
// devDependency). A Node without it (before 22.18) cannot even load a `.ts` entry point and would
// fail on its file extension without saying why; the entry points' own check (nodeVersionProblem in
// @sluice/cli) is never reached. Plain JavaScript that any Node parses: it must run on the old one.
const NODE_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (major < NODE_MAJOR) {
  const name = process.env.npm_lifecycle_event || 'this command';
  process.stderr.write(
    `${name}: runs on Node.js ${NODE_MAJOR} or later; this is ${process.version} (${process.execPath}). Run it through npm (npm run <script>, npx <command>): ` +
      `npm puts the project's Node.js ${NODE_MAJOR}, its \`node\` devDependency, first on the PATH. ` +
      'If node_modules/.bin/node is missing (an install with --ignore-scripts), run `npm rebuild node`\n',
  );
  process.exit(1);
}
