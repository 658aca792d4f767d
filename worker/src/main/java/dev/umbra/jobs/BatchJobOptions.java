package dev.umbra.jobs;

import dev.umbra.kafka.DecodeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What a batch run was asked for.
 *
 * @param promptsFile      UTF-8 prompts, one request per line (an empty line too: the worker rejects it, and that
 *                         answer is its result)
 * @param outDir           the job directory: {@code job.json}, {@code results.jsonl}, {@code images/}
 * @param jobId            the job's id; null: the directory's job, or a new id for a new job
 * @param images           num_images; null: the directory's job's, or 1
 * @param seed             seed of line 0; null: the directory's job's, or one drawn for a new job
 * @param bootstrapServers the cluster a worker serves; null: an embedded broker and worker in this process
 * @param promptsTopic     where requests go
 * @param resultsTopic     where results are read
 * @param idleTimeout      give up when no new result arrived for this long (the directory stays resumable)
 * @param decode           the embedded worker's decoder (unused with {@code bootstrapServers})
 */
public record BatchJobOptions(Path promptsFile, Path outDir, String jobId, Integer images, Long seed,
                              String bootstrapServers, String promptsTopic, String resultsTopic, Duration idleTimeout,
                              DecodeConfig decode) {

    public BatchJobOptions {
        Objects.requireNonNull(promptsFile, "promptsFile");
        Objects.requireNonNull(outDir, "outDir");
        Objects.requireNonNull(promptsTopic, "promptsTopic");
        Objects.requireNonNull(resultsTopic, "resultsTopic");
        Objects.requireNonNull(decode, "decode");
        if (jobId != null) {
            JobManifest.checkJobId(jobId);
        }
        if (images != null && images < 1) {
            throw new IllegalArgumentException("--images must be at least 1 (got " + images + ")");
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("--timeout-s must be positive (got " + idleTimeout + ")");
        }
    }
}
