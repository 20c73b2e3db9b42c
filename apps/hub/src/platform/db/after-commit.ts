/**
 * Runs a committed transaction's `afterCommit` callbacks (Sql.afterCommit). They are
 * notifications (wake the relay): one that throws is reported and does not stop the others,
 * nor turn the committed transaction into a failure for its caller.
 */
export function runCommitted(callbacks: readonly (() => void)[]) {
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      process.emitWarning(`an after-commit callback failed: ${(error as Error).message}`);
    }
  }
}
