package dev.umbra.kafka.demo;

import dev.umbra.batch.BatchPolicy;
import dev.umbra.http.HttpOptions;
import dev.umbra.kafka.DecodeConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What the demo does.
 *
 * @param count            requests to send, at least 1
 * @param promptsFile      a UTF-8 file of prompts, one per line; null for prompts of the shapes world's grammar
 * @param outDir           where {@code results.jsonl} is written (created if needed)
 * @param imagesPerRequest num_images of each request
 * @param batchPolicy      the worker's batch size (rows) and max wait
 * @param latencyTarget    adaptive batching under this latency (the policy's rows as the most), or null for fixed
 * @param decode           the decoder pool and where pictures go
 * @param timeout          how long to wait for every result once the requests are sent
 * @param http             where to serve metrics, health and the gallery while the demo runs; null for no HTTP
 */
public record DemoOptions(
        int count, Path promptsFile, Path outDir, int imagesPerRequest, BatchPolicy batchPolicy, Duration latencyTarget,
        DecodeConfig decode,
        Duration timeout,
        HttpOptions http) {

    public static final int DEFAULT_COUNT = 100;
    public static final Path DEFAULT_OUT_DIR = Path.of("umbra-demo-out");
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    public DemoOptions {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1 (got " + count + ")");
        }
        Objects.requireNonNull(outDir, "outDir");
        if (imagesPerRequest < 1) {
            throw new IllegalArgumentException("imagesPerRequest must be at least 1 (got " + imagesPerRequest + ")");
        }
        Objects.requireNonNull(batchPolicy, "batchPolicy");
        Objects.requireNonNull(decode, "decode");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive (got " + timeout + ")");
        }
    }
}
