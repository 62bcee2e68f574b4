/**
 * `@sluice/governance`: what may change in a contract and how it is shown: the breaking-change
 * classifier (payloads and topology), releases, payload validation and the rendered docs.
 *
 * @packageDocumentation
 */
export * from './compatibility.ts';
export * from './contract-document.ts';
export * from './report.ts';
export { contractTextInert, DOCS_TEMPLATE_CONFIG, FIRST_VIEW_MARKER, finishDocsPage } from './docs-first-view.ts';
export { DEFAULT_DOCS_DIR, docsProgram, renderDocs } from './docs-cli.ts';
export { contractPicture, DEFAULT_TOPOLOGY_PICTURE, diagramProgram, embedTopology, importSettings, TOPOLOGY_SECTION_ID } from './topology-picture.ts';
export { validateDocuments, validateProgram, type Verdict } from './validate-cli.ts';
export { diffProgram } from './diff-cli.ts';
export { nextStepsAfterDiff } from './next-steps.ts';
export { lintProgram } from './lint-cli.ts';
export { releaseProgram } from './release-cli.ts';
export { oncePerInstall, type OncePerInstallOptions, type OncePerInstallOutcome } from './once-per-install.ts';
