package dev.umbra.decoder.torchscript;

import dev.umbra.decoder.DecodeRequest;
import java.util.Random;

/**
 * Each request's noise from its own {@link Random}, seeded from the request's seed: the same seed gives the same
 * picture on every JVM ({@code Random} and its {@code nextGaussian} are specified), whatever else shares the batch.
 * The initial latent comes first, then each step's noise, in order.
 */
public final class SeededNoise implements NoiseSource {

    static final SeededNoise INSTANCE = new SeededNoise();

    /** Keeps this decoder's noise apart from the prior's and the shapes decoder's, drawn from the same seeds. */
    static final long SALT = 0x7D1FFE5C0DE5EEDL;

    private SeededNoise() {}

    @Override
    public Stream open(int index, DecodeRequest request) {
        Random random = new Random(request.seed() ^ SALT);
        return new Stream() {
            @Override
            public float[] initial(int length) {
                return gaussians(random, length);
            }

            @Override
            public float[] step(int step, int length) {
                return gaussians(random, length);
            }
        };
    }

    private static float[] gaussians(Random random, int length) {
        float[] out = new float[length];
        for (int i = 0; i < length; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
