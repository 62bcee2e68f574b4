/**
 * `@sluice/runtime/contract`: the contract at run time. The generated module builds on these;
 * applications use the types.
 */
export { ContractViolation, deepFreeze, defineMessage, defineOperation, majorOf, type MessageMeta } from './message.ts';
export { formatIssues, toIssues } from './issues.ts';
export { isRfc3339DateTime, toUtcInstant } from './rfc3339.ts';
export { contractFormats } from './formats.ts';
export { policyAdmits, type TriagePolicy } from './filter-policy.ts';
export type * from './model.ts';
