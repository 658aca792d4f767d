/** The run's figures written out: terminal summary and progress line, report.json, timeline.csv, the chart. */
package dev.umbra.loadtest.report;
