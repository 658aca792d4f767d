package dev.umbra.model;

/**
 * What {@link EclipseModel#embed} computed for a batch of N rows, copied out of native memory.
 *
 * @param inputIds        [N][77] CLIP token ids
 * @param attentionMask   [N][77] 1 on real tokens, 0 on padding
 * @param textEmbeds      [N][E] pooled, projected CLIP text embedding
 * @param lastHiddenState [N][77][H] text encoder output, or null when not requested
 * @param imageEmbeds     [N][E] ECLIPSE prior output: the CLIP image embedding
 * @param timings         where the batch's time went
 */
public record EmbeddingResult(
        long[][] inputIds,
        long[][] attentionMask,
        float[][] textEmbeds,
        float[][][] lastHiddenState,
        float[][] imageEmbeds,
        StageTimings timings) {

    public int size() {
        return imageEmbeds.length;
    }
}
