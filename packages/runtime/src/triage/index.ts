/** The triage of each topic's publishes into its unrouted queue: see {@link triageUnrouted}. */
export { policyAdmits, type TriagePolicy } from '../contract/filter-policy.ts';
export { filterableAttributes, TRIAGE_ENV, TRIAGE_REASON_ATTRIBUTE, triageOptionsFromEnvironment, triageUnrouted, triageVerdict, type TriageOptions, type TriageSubscription, type TriageVerdict } from './triage.ts';
