import type { ConversationReport } from './run.ts';

// JUnit XML for CI: one test suite per file, one test case per caller turn plus one for the
// conversation's own expectations.

export function junitXml(reports: readonly ConversationReport[]): string {
  const suites = reports.map((report) => {
    const cases = [
      ...report.turns.map((turn) => testCase(report, turn.title, turn.failures)),
      testCase(report, 'expectations', report.failures.filter((f) => !/^turn \d+: /.test(f))),
    ];
    const failures = cases.filter((c) => c.failed).length;
    return `  <testsuite name="${escape(report.name)}" file="${escape(report.file)}" tests="${cases.length}" failures="${failures}" time="${(report.durationMs / 1000).toFixed(3)}">\n${cases.map((c) => c.xml).join('\n')}\n  </testsuite>`;
  });
  const tests = reports.reduce((n, r) => n + r.turns.length + 1, 0);
  const failed = reports.filter((r) => r.failures.length > 0).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="converse" tests="${tests}" failures="${failed}">\n${suites.join('\n')}\n</testsuites>\n`;
}

function testCase(report: ConversationReport, name: string, failures: readonly string[]): { xml: string; failed: boolean } {
  const open = `    <testcase classname="${escape(report.file)}" name="${escape(name)}"`;
  if (failures.length === 0) return { xml: `${open}/>`, failed: false };
  return { xml: `${open}>\n      <failure message="${escape(failures[0])}">${escape(failures.join('\n'))}</failure>\n    </testcase>`, failed: true };
}

function escape(text: string): string {
  // Characters XML 1.0 cannot carry at all are dropped.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
