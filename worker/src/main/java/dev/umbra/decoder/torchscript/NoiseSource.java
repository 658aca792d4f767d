package dev.umbra.decoder.torchscript;

import dev.umbra.decoder.DecodeRequest;

/**
 * Where a request's randomness comes from: its starting latent and, for DDPM, the fresh noise of each step. The
 * decoder asks each request's stream in the order of the loop (initial, then step 0, 1, ...), so a stream may be a
 * sequential generator; tests inject the noise a reference was computed with.
 */
@FunctionalInterface
public interface NoiseSource {

    /** The stream of request {@code index} of a decode call. */
    Stream open(int index, DecodeRequest request);

    /** One request's noise. */
    interface Stream {
        /** The starting latent x_T, standard normal, {@code length} = C*h*w values. */
        float[] initial(int length);

        /** Step {@code step}'s fresh noise (DDPM; asked only at timesteps above 0, in order). */
        float[] step(int step, int length);
    }

    /** The default: each request's noise drawn from its seed ({@link SeededNoise}). */
    static NoiseSource seeded() {
        return SeededNoise.INSTANCE;
    }
}
