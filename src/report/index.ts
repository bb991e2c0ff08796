/** Run reports: the JSON schema and the JSON, HTML, JUnit and terminal renderings of a RunReport. */
export { renderHtmlReport, writeHtmlReport } from './html.js';
export { renderJsonReport, writeJsonReport } from './json.js';
export { renderJunitReport, writeJunitReport } from './junit.js';
export { reportJsonSchema } from './report-json-schema.js';
export { formatSummary, isLiveTerminal, TerminalView, type TerminalViewOptions } from './terminal.js';
export { renderTimelineChart } from './timeline-chart.js';
