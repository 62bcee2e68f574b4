/**
 * The problems `deriveTopology` reports for a document, or none: what the model's document tests
 * compare (a problem is thrown as a TopologyError holding every one).
 */
import { deriveTopology, TopologyError } from '@sluice/model';

/** Every problem of `doc` (a dereferenced AsyncAPI document), in the order they are reported; [] when it derives. */
export function problemsOf(doc: Record<string, any>): string[] {
  try {
    deriveTopology(doc);
    return [];
  } catch (error) {
    if (error instanceof TopologyError) return error.problems;
    throw error;
  }
}
