/** Run reports: the JSON schema and the JSON, HTML, JUnit and terminal renderings. */
export { renderHtmlReport, writeHtmlReport } from './html.js';
export { hypothesisOf, metricsOf } from './journal-metrics.js';
export { renderJsonReport, writeJsonReport } from './json.js';
export { renderJunitReport, writeJunitReport } from './junit.js';
export {
  createRunReport,
  type ResultMetrics,
  type RunReport,
  type RunReportInput,
  runReportSchema,
  type ScenarioResult,
  type StatusCounts,
  scenarioResultSchema,
} from './report.js';
export { reportJsonSchema } from './report-json-schema.js';
export { probeSuccess, resilienceScore, summarize } from './score.js';
export { formatSummary, isLiveTerminal, TerminalView, type TerminalViewOptions } from './terminal.js';
export { renderTimelineChart } from './timeline-chart.js';
