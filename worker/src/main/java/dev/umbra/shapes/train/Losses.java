package dev.umbra.shapes.train;

import ai.djl.ndarray.NDArray;

/** The training losses, written with NDArray ops so that autograd follows them. */
public final class Losses {

    private Losses() {}

    /**
     * Symmetric InfoNCE (CLIP's loss) between two batches of embeddings, with several positives per row where
     * the batch repeats a meaning: in a world this small, two captions of one batch often say the same thing,
     * and pushing them apart would teach the opposite of what they mean.
     *
     * @param a         [B, E] (unnormalised)
     * @param b         [B, E] (unnormalised)
     * @param positives [B, B] 1 where a_i and b_j match (the diagonal always does), else 0
     * @param logScale  [1] the log of the inverse temperature
     */
    public static NDArray infoNce(NDArray a, NDArray b, NDArray positives, NDArray logScale) {
        NDArray logits = a.normalize(2, 1).matMul(b.normalize(2, 1).transpose()).mul(logScale.exp());   // [B,B]
        NDArray rowTargets = positives.div(positives.sum(new int[] {1}, true));
        NDArray colTargets = positives.div(positives.sum(new int[] {0}, true));
        NDArray rows = logits.logSoftmax(1).mul(rowTargets).sum(new int[] {1}).mean();
        NDArray cols = logits.logSoftmax(0).mul(colTargets).sum(new int[] {0}).mean();
        return rows.add(cols).div(-2f);
    }

    /** Mean over the batch of the squared distance between rows: the ECLIPSE projection loss. */
    public static NDArray squaredDistance(NDArray predicted, NDArray target) {
        return predicted.sub(target).square().sum(new int[] {1}).mean();
    }
}
