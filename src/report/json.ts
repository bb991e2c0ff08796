import type { RunReport } from '../runner/run-report.js';
import { writeReportFile } from './write-file.js';

/**
 * The JSON report (--report FILE): the run report as is, pretty-printed, journals included.
 * `jq '.results[] | {name: .name, status: .status}' report.json` lists the verdicts.
 */
export function renderJsonReport(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function writeJsonReport(file: string, report: RunReport): Promise<string> {
  return writeReportFile(file, renderJsonReport(report));
}
