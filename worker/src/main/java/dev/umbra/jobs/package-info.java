/**
 * Batch jobs: a prompts file through a worker into a resumable directory ({@code job.json}, {@code results.jsonl},
 * {@code images/}), and the in-process worker that {@code batch} starts when given no cluster.
 */
package dev.umbra.jobs;
