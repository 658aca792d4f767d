package dev.umbra.math;

/** Cosine similarity and the diversity figures of a request's image embeddings (ECLIPSE paper, supplement F). */
public final class EmbeddingMath {

    private EmbeddingMath() {}

    /** cos(a, b) in [-1, 1], computed in double; 0 when either vector is all zeros. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors differ in size (" + a.length + " and " + b.length + ")");
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        if (na == 0 || nb == 0) {
            return 0;
        }
        double cos = dot / (Math.sqrt(na) * Math.sqrt(nb));
        return Math.max(-1, Math.min(1, cos));
    }

    /** K with K[i][j] = cos(x_i, x_j). */
    public static double[][] cosineSimilarityMatrix(float[][] vectors) {
        int n = vectors.length;
        double[][] k = new double[n][n];
        for (int i = 0; i < n; i++) {
            k[i][i] = 1;
            for (int j = i + 1; j < n; j++) {
                k[i][j] = k[j][i] = cosine(vectors[i], vectors[j]);
            }
        }
        return k;
    }

    /** Mean of 1 - cos(x_i, x_j) over all pairs i < j; needs at least two vectors. */
    public static double meanPairwiseCosineDistance(float[][] vectors) {
        requireTwo(vectors);
        double sum = 0;
        int pairs = 0;
        for (int i = 0; i < vectors.length; i++) {
            for (int j = i + 1; j < vectors.length; j++) {
                sum += 1 - cosine(vectors[i], vectors[j]);
                pairs++;
            }
        }
        return sum / pairs;
    }

    /**
     * Vendi score under cosine similarity: exp(-sum of lambda log lambda) over the eigenvalues lambda of K/n. 1 when
     * all vectors point the same way, n when they are mutually orthogonal.
     */
    public static double vendiScore(float[][] vectors) {
        requireTwo(vectors);
        int n = vectors.length;
        double[][] k = cosineSimilarityMatrix(vectors);
        for (double[] row : k) {
            for (int j = 0; j < n; j++) {
                row[j] /= n;
            }
        }
        double entropy = 0;
        for (double lambda : SymmetricEigen.eigenvalues(k)) {
            // K is positive semi-definite; rounding can leave tiny negative eigenvalues, which contribute nothing.
            if (lambda > 0) {
                entropy -= lambda * Math.log(lambda);
            }
        }
        return Math.exp(entropy);
    }

    private static void requireTwo(float[][] vectors) {
        if (vectors.length < 2) {
            throw new IllegalArgumentException("diversity needs at least 2 embeddings (got " + vectors.length + ")");
        }
    }
}
