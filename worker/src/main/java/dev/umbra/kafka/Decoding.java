package dev.umbra.kafka;

import dev.umbra.decoder.DecodedImage;
import dev.umbra.decoder.pool.DecoderPool;
import dev.umbra.decoder.pool.DecoderPools;
import dev.umbra.decoder.pool.PoolStats;
import dev.umbra.decoder.store.FileSystemImageStore;
import dev.umbra.model.ImageEncoder;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.worker.DecodeStage;
import dev.umbra.worker.WorkerClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The decoder pool of a worker process and the stage around it; owns the pool and closes it. */
public final class Decoding implements AutoCloseable {

    private final DecoderPool pool;
    private final ImageEncoder imageTower;
    private final DecodeStage stage;

    private Decoding(DecoderPool pool, ImageEncoder imageTower, DecodeStage stage) {
        this.pool = pool;
        this.imageTower = imageTower;
        this.stage = stage;
    }

    /**
     * Opens what {@code config} asks for on the model in {@code modelDir}.
     *
     * @param maxInFlightRows the worker's in-flight bound: with one poll's overshoot, the most images that can reach
     *                        the pool at once, so the pool's hard capacity is set above it and never refuses one
     * @param embeddingDim    E of the served prior
     */
    public static Decoding open(DecodeConfig config, Path modelDir, RuntimeOptions runtime, int maxInFlightRows,
            int embeddingDim) {
        int capacity = config.decoder().queueBound() + 2 * maxInFlightRows;
        Optional<DecoderPool> pool = DecoderPools.open(config.decoder(), modelDir, runtime, capacity, embeddingDim);
        if (pool.isEmpty()) {
            return new Decoding(null, null, null);
        }
        ImageEncoder tower = null;
        try {
            Path towerDir = modelDir.resolve("image_encoder");
            tower = Files.isDirectory(towerDir) ? ImageEncoder.load(towerDir, runtime) : null;
            ImageEncoder t = tower;
            // One tower for every decoder thread: calls take turns.
            Function<List<DecodedImage>, float[][]> embed = t == null ? null : images -> {
                if (!DecodedImage.allOfSize(images, t.imageSize())) {
                    return null;   // not pictures this tower reads: the stage measures pixels instead
                }
                float[] pixels = DecodedImage.channelsFirst(images, t.imageSize());
                synchronized (t) {
                    return t.embed(pixels, images.size());
                }
            };
            return new Decoding(pool.get(), tower, new DecodeStage(pool.get(),
                    new FileSystemImageStore(config.imageDir()), config.stage(), WorkerClock.system(), embed));
        } catch (RuntimeException e) {
            if (tower != null) {
                tower.close();
            }
            pool.get().close();
            throw e;
        }
    }

    /** The stage to hand to the worker, or null when there is no decoder. */
    public DecodeStage stage() {
        return stage;
    }

    /** The pool's figures, or empty when there is no decoder. */
    public Optional<PoolStats> stats() {
        return pool == null ? Optional.empty() : Optional.of(pool.stats());
    }

    public Optional<String> identity() {
        return pool == null ? Optional.empty() : Optional.of(pool.identity());
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        if (imageTower != null) {
            imageTower.close();
        }
    }
}
