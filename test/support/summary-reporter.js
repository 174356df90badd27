/**
 * Prints the run's totals as the last line of output ("jest: N passed, N failed, N skipped"), the
 * plain closing line CI reads to tell a run that tested something from one that ran nothing. Written
 * at exit so that it follows jest's own summary.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const line = `jest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`;
    process.once("exit", () => process.stderr.write(line));
  }
}
module.exports = SummaryReporter;
