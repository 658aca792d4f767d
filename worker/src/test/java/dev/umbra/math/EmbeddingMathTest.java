package dev.umbra.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.junit.jupiter.api.Test;

class EmbeddingMathTest {

    @Test
    void cosineOfKnownVectors() {
        assertEquals(1, EmbeddingMath.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6}), 1e-12);
        assertEquals(-1, EmbeddingMath.cosine(new float[] {1, 0}, new float[] {-3, 0}), 1e-12);
        assertEquals(0, EmbeddingMath.cosine(new float[] {1, 0}, new float[] {0, 5}), 1e-12);
        assertEquals(Math.sqrt(0.5), EmbeddingMath.cosine(new float[] {1, 1}, new float[] {1, 0}), 1e-12);
        assertEquals(0, EmbeddingMath.cosine(new float[] {0, 0}, new float[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> EmbeddingMath.cosine(new float[2], new float[3]));
    }

    @Test
    void identicalEmbeddingsHaveNoDiversity() {
        float[][] same = {{1, 2, 3}, {1, 2, 3}, {2, 4, 6}};
        assertEquals(0, EmbeddingMath.meanPairwiseCosineDistance(same), 1e-12);
        assertEquals(1, EmbeddingMath.vendiScore(same), 1e-9);
    }

    @Test
    void orthogonalEmbeddingsHaveVendiScoreN() {
        float[][] basis = {{1, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 3, 0}, {0, 0, 0, 4}};
        assertEquals(1, EmbeddingMath.meanPairwiseCosineDistance(basis), 1e-12);
        assertEquals(4, EmbeddingMath.vendiScore(basis), 1e-9);
    }

    @Test
    void twoVectorsMatchTheClosedForm() {
        // K/2 = [[1, c], [c, 1]] / 2 has eigenvalues (1 +- c) / 2.
        float[][] pair = {{1, 0}, {1, 1}};
        double c = Math.sqrt(0.5);
        double l1 = (1 + c) / 2;
        double l2 = (1 - c) / 2;
        assertEquals(Math.exp(-(l1 * Math.log(l1) + l2 * Math.log(l2))), EmbeddingMath.vendiScore(pair), 1e-12);
        assertEquals(1 - c, EmbeddingMath.meanPairwiseCosineDistance(pair), 1e-12);
    }

    @Test
    void jacobiEigenvaluesAgreeWithCommonsMath() {
        Random random = new Random(7);
        for (int n = 2; n <= 8; n++) {
            float[][] vectors = new float[n][16];
            for (float[] v : vectors) {
                for (int d = 0; d < v.length; d++) {
                    v[d] = (float) random.nextGaussian();
                }
            }
            double[][] k = EmbeddingMath.cosineSimilarityMatrix(vectors);
            double[] ours = SymmetricEigen.eigenvalues(k);
            double[] theirs = new EigenDecomposition(new Array2DRowRealMatrix(k)).getRealEigenvalues();
            Arrays.sort(ours);
            Arrays.sort(theirs);
            assertArrayEquals(theirs, ours, 1e-10, "n = " + n);
        }
    }

    @Test
    void diversityNeedsTwoEmbeddings() {
        assertThrows(IllegalArgumentException.class, () -> EmbeddingMath.vendiScore(new float[][] {{1}}));
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingMath.meanPairwiseCosineDistance(new float[][] {{1}}));
    }
}
