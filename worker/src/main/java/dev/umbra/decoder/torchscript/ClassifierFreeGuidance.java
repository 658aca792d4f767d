package dev.umbra.decoder.torchscript;

/**
 * Classifier-free guidance (Ho &amp; Salimans 2022) on the UNet's output rows, as Kandinsky 2.2's pipeline applies it:
 * eps = uncond + g (cond - uncond), on the prediction channels only; the learned-variance channels that follow them
 * in each row are dropped.
 */
final class ClassifierFreeGuidance {

    private ClassifierFreeGuidance() {}

    /**
     * @param out              the UNet's output, rows of {@code rowLength} values
     * @param predictionLength the prediction's values at the start of each row (C*h*w)
     * @param uncondRow        the row run on the negative embedding
     * @param condRow          the row run on the image embedding
     * @param scale            g; 1 gives the conditional prediction
     */
    static float[] guided(float[] out, int rowLength, int predictionLength, int uncondRow, int condRow, float scale) {
        float[] eps = new float[predictionLength];
        int u = uncondRow * rowLength;
        int c = condRow * rowLength;
        for (int i = 0; i < predictionLength; i++) {
            float uncond = out[u + i];
            eps[i] = uncond + scale * (out[c + i] - uncond);
        }
        return eps;
    }

    /** The prediction of one row, unguided (a request with guidance 1 runs only its conditional row). */
    static float[] conditional(float[] out, int rowLength, int predictionLength, int row) {
        float[] eps = new float[predictionLength];
        System.arraycopy(out, row * rowLength, eps, 0, predictionLength);
        return eps;
    }
}
