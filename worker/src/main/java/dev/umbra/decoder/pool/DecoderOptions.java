package dev.umbra.decoder.pool;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * Which decoder a worker runs and how its pool is sized.
 *
 * @param decoder    {@value #AUTO} (the model's {@code decoder/} when it has one, else none), {@value #SHAPES},
 *                   {@value #HTTP} (a decoder service at {@code url}) or {@value #NONE} (embeddings only)
 * @param workers    decoder threads, each with its own copy of the decoder
 * @param queueBound images waiting for a decoder at which the worker stops fetching
 * @param maxBatch   images per decoder call
 * @param attempts   tries of a request's images before they fail for good
 * @param candidates the shapes decoder's pictures per image, reranked by CLIP (1: none)
 * @param url        the decoder service, for {@value #HTTP}; null otherwise
 * @param timeout    the longest one HTTP call may take
 */
public record DecoderOptions(String decoder, int workers, int queueBound, int maxBatch, int attempts, int candidates,
                             URI url, Duration timeout) {

    public static final String AUTO = "auto";
    public static final String SHAPES = "shapes";
    public static final String HTTP = "http";
    public static final String NONE = "none";

    public DecoderOptions {
        if (!Set.of(AUTO, SHAPES, HTTP, NONE).contains(decoder)) {
            throw new IllegalArgumentException("--decoder must be auto, shapes, http or none (got '" + decoder + "')");
        }
        if (decoder.equals(HTTP) && url == null) {
            throw new IllegalArgumentException("--decoder http needs --decoder-url");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the decoder timeout must be positive (got " + timeout + ")");
        }
        // the pool's own settings check the sizes
        new DecoderPool.Settings(workers, queueBound, queueBound, maxBatch, attempts);
        if (candidates < 1) {
            throw new IllegalArgumentException("--decoder-candidates must be at least 1 (got " + candidates + ")");
        }
    }

    public static DecoderOptions defaults() {
        return new DecoderOptions(AUTO, 1, 32, 16, 2, 8, null, Duration.ofMinutes(2));
    }
}
