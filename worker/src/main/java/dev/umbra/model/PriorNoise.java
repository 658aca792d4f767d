package dev.umbra.model;

import java.util.Random;

/**
 * The prior's only randomness: one standard normal row of size E per image (ECLIPSE-SPEC section 6).
 * {@link Random#nextGaussian()} is specified by its javadoc algorithm, so a seed gives the same row on
 * every JVM.
 */
public final class PriorNoise {

    private PriorNoise() {}

    public static float[] gaussian(long seed, int dim) {
        Random random = new Random(seed);
        float[] row = new float[dim];
        for (int i = 0; i < dim; i++) {
            row[i] = (float) random.nextGaussian();
        }
        return row;
    }
}
