/** What came back and how late: per-request bookkeeping, HdrHistogram latencies, the per-second timeline. */
package dev.umbra.loadtest.measure;
