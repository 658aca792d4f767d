package dev.umbra.decoder.pool;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * Which decoder a worker runs and how its pool is sized.
 *
 * @param decoder    {@value #AUTO} (the model's {@code decoder/} when it has one, else none), {@value #SHAPES},
 *                   {@value #TORCHSCRIPT} (a UNet and MoVQ exported as TorchScript, in {@code modelDir}),
 *                   {@value #HTTP} (a decoder service at {@code url}) or {@value #NONE} (embeddings only)
 * @param workers    decoder threads, each with its own copy of the decoder
 * @param queueBound images waiting for a decoder at which the worker stops fetching
 * @param maxBatch   images per decoder call
 * @param attempts   tries of a request's images before they fail for good
 * @param candidates the shapes decoder's pictures per image, reranked by CLIP (1: none)
 * @param url        the decoder service, for {@value #HTTP}; null otherwise
 * @param timeout    the longest one HTTP call may take
 * @param modelDir   the {@value #TORCHSCRIPT} decoder's folder; null: the served model's {@code decoder/}
 */
public record DecoderOptions(String decoder, int workers, int queueBound, int maxBatch, int attempts, int candidates,
                             URI url, Duration timeout, Path modelDir) {

    public static final String AUTO = "auto";
    public static final String SHAPES = "shapes";
    public static final String TORCHSCRIPT = "torchscript";
    public static final String HTTP = "http";
    public static final String NONE = "none";

    public DecoderOptions {
        if (!Set.of(AUTO, SHAPES, TORCHSCRIPT, HTTP, NONE).contains(decoder)) {
            throw new IllegalArgumentException("--decoder must be auto, shapes, torchscript, http or none (got '"
                    + decoder + "')");
        }
        if (modelDir != null && !decoder.equals(TORCHSCRIPT) && !decoder.equals(AUTO)) {
            throw new IllegalArgumentException("--decoder-model names a TorchScript decoder's folder: it goes with"
                    + " --decoder torchscript or auto, not " + decoder);
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

    /** Options without a TorchScript folder of their own (the served model's {@code decoder/} is used). */
    public DecoderOptions(String decoder, int workers, int queueBound, int maxBatch, int attempts, int candidates,
                          URI url, Duration timeout) {
        this(decoder, workers, queueBound, maxBatch, attempts, candidates, url, timeout, null);
    }

    public static DecoderOptions defaults() {
        return new DecoderOptions(AUTO, 1, 32, 16, 2, 8, null, Duration.ofMinutes(2));
    }
}
