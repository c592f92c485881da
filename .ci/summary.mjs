// Reads vitest's JSON report and prints the CI verdict as its last line, exactly `N passed, N failed`.
// Skipped and todo tests count as failed (a skipped test is not a passing one); so does a test file that
// failed outside any test (import error, failing beforeAll), and a non-zero exit of the test command that
// the report does not explain. Exits 1 unless everything passed.
//
// usage: node .ci/summary.mjs <results.json> [exit status of the test command]
import { existsSync, readFileSync } from 'node:fs';
import process from 'node:process';

const say = (line) => process.stdout.write(`${line}\n`);

const [file, statusArg = '0'] = process.argv.slice(2);
const status = Number(statusArg);

if (!file || !existsSync(file)) {
  say(`no test report at ${file}: the typecheck or lint step failed before vitest ran (exit ${status})`);
  say('0 passed, 1 failed');
  process.exit(1);
}

const report = JSON.parse(readFileSync(file, 'utf8'));
let passed = 0;
let failed = 0;
const notes = [];
for (const result of report.testResults ?? []) {
  const tests = result.assertionResults ?? [];
  for (const test of tests) {
    if (test.status === 'passed') passed++;
    else {
      failed++;
      notes.push(`${test.status}: ${result.name} > ${test.fullName}`);
    }
  }
  // A file that broke before or around its tests, with no failed test of its own to show it.
  if (result.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
    failed++;
    notes.push(`failed file: ${result.name}${result.message ? ` (${String(result.message).split('\n')[0]})` : ''}`);
  }
}
if (status !== 0 && failed === 0) {
  failed++;
  notes.push(`the test command exited ${status} although every test in the report passed (unhandled error?)`);
}
if (passed === 0 && failed === 0) {
  failed++;
  notes.push('the report holds no tests at all');
}
for (const note of notes) say(note);
say(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
