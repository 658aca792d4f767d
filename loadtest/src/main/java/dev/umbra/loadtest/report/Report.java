package dev.umbra.loadtest.report;

import dev.umbra.loadtest.measure.RunSummary;

/**
 * The content of report.json.
 *
 * @param tool      {@code umbra-loadtest} and its version
 * @param startedAt when the first request was due, ISO-8601 UTC
 * @param settings  what was asked for
 * @param results   what happened
 */
public record Report(String tool, String startedAt, RunSettings settings, RunSummary results) {
}
