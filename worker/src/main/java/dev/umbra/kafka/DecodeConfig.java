package dev.umbra.kafka;

import dev.umbra.decoder.pool.DecoderOptions;
import dev.umbra.worker.DecodeStage;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a worker turns embeddings into pictures: which decoder and pool, what travels inline, where the rest is stored.
 *
 * @param decoder  the decoder and its pool
 * @param stage    the inline size limit and whether results keep embeddings
 * @param imageDir where pictures above the inline limit are written
 */
public record DecodeConfig(DecoderOptions decoder, DecodeStage.Settings stage, Path imageDir) {

    public static final int DEFAULT_INLINE_LIMIT_BYTES = 256 * 1024;
    public static final Path DEFAULT_IMAGE_DIR = Path.of("umbra-images");

    public DecodeConfig {
        Objects.requireNonNull(decoder, "decoder");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(imageDir, "imageDir");
    }

    /** The model's decoder if it has one, one worker, PNGs inline up to 256 KB, embeddings kept. */
    public static DecodeConfig defaults() {
        return new DecodeConfig(DecoderOptions.defaults(), new DecodeStage.Settings(DEFAULT_INLINE_LIMIT_BYTES, true),
                DEFAULT_IMAGE_DIR);
    }

    /** No decoder: results carry the prior's embeddings only. */
    public static DecodeConfig none() {
        DecoderOptions d = DecoderOptions.defaults();
        return new DecodeConfig(new DecoderOptions(DecoderOptions.NONE, d.workers(), d.queueBound(), d.maxBatch(),
                d.attempts(), d.candidates(), null, d.timeout()), new DecodeStage.Settings(DEFAULT_INLINE_LIMIT_BYTES, true),
                DEFAULT_IMAGE_DIR);
    }
}
