/** Name of the idempotency table the bench creates beside Orders (read by the parent without loading the handler). */
export const IDEMPOTENCY_TABLE = 'OrdersIdempotency';
