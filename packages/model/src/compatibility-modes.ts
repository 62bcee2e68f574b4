/**
 * The compatibility modes a contract may declare in `info.x-compatibility`: here, so that codegen
 * checks the declaration with every other problem of the contract, and `contract:diff` classifies
 * under it.
 */

/**
 * Who must keep working across a change, as schema registries name it.
 * - `backward`: consumers on the new contract read messages valid under the released one
 *   (messages still in the queue, in the DLQ, or from producers not yet upgraded).
 * - `forward`: consumers still on the released contract read messages valid under the new one
 *   (a producer upgraded first).
 * - `full`: both.
 */
export type CompatibilityMode = 'backward' | 'forward' | 'full';

/** Every {@link CompatibilityMode}, in the order the CLI lists them. */
export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = ['backward', 'forward', 'full'];
