package dev.umbra.shapes.train;

import ai.djl.ndarray.NDArray;

/**
 * The training losses, written with NDArray ops so that autograd follows them.
 *
 * <p>Contrastive losses take several positives per row where a batch repeats a meaning: in a world this small two
 * captions of one batch often say the same thing, and pushing them apart would teach the opposite of what they
 * mean. The target of a row is then spread evenly over its positives.
 */
public final class Losses {

    private Losses() {}

    /**
     * InfoNCE from each row of {@code a} to the rows of {@code b}: ECLIPSE's contrastive term (paper eq. 4), each
     * predicted image embedding against the batch's text embeddings.
     *
     * @param a         [B, E] (unnormalised)
     * @param b         [B, E] (unnormalised)
     * @param positives [B, B] 1 where a_i and b_j match (the diagonal always does), else 0
     * @param logScale  [1] the log of the inverse temperature
     */
    public static NDArray infoNce(NDArray a, NDArray b, NDArray positives, NDArray logScale) {
        NDArray logits = a.normalize(2, 1).matMul(b.normalize(2, 1).transpose()).mul(logScale.exp());   // [B,B]
        return crossEntropy(logits, positives, 1);
    }

    /** CLIP's symmetric InfoNCE: the mean of image-to-text and text-to-image. */
    public static NDArray symmetricInfoNce(NDArray a, NDArray b, NDArray positives, NDArray logScale) {
        NDArray logits = a.normalize(2, 1).matMul(b.normalize(2, 1).transpose()).mul(logScale.exp());   // [B,B]
        return crossEntropy(logits, positives, 1).add(crossEntropy(logits, positives, 0)).div(2f);
    }

    /** Cross-entropy of softmax over {@code axis} against targets spread evenly over the positives. */
    private static NDArray crossEntropy(NDArray logits, NDArray positives, int axis) {
        NDArray targets = positives.div(positives.sum(new int[] {axis}, true));
        return logits.logSoftmax(axis).mul(targets).sum(new int[] {axis}).mean().neg();
    }

    /**
     * ECLIPSE's projection loss, the mean squared error over batch and embedding values, as the training script
     * ECLIPSE builds on computes it ({@code F.mse_loss(pred, target)}, mean reduction): so lambda weighs the
     * contrastive term against a per-value error, whatever the embedding width.
     */
    public static NDArray meanSquaredError(NDArray predicted, NDArray target) {
        return predicted.sub(target).square().mean();
    }

    /**
     * KL divergence of the diagonal Gaussian q = N(muQ, exp(logVarQ)) from p = N(muP, exp(logVarP)), summed over
     * the latent, mean over the batch.
     */
    public static NDArray gaussianKl(NDArray muQ, NDArray logVarQ, NDArray muP, NDArray logVarP) {
        NDArray ratio = logVarQ.sub(logVarP).exp();                                   // var_q / var_p
        NDArray mahalanobis = muQ.sub(muP).square().div(logVarP.exp());
        return ratio.add(mahalanobis).sub(1f).sub(logVarQ.sub(logVarP)).sum(new int[] {1}).mul(0.5f).mean();
    }
}
