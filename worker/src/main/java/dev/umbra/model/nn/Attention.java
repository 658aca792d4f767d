package dev.umbra.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Scaled dot-product attention over already projected q, k, v, shared by the CLIP and prior blocks. */
public final class Attention {

    private Attention() {}

    /**
     * softmax(q k^T * scale + mask) v, heads split out of the width and merged back.
     *
     * @param q    [B, T, H*d]
     * @param k    [B, S, H*d]
     * @param v    [B, S, H*d]
     * @param mask additive, broadcastable to [B, H, T, S], or null
     * @return [B, T, H*d]
     */
    public static NDArray scaledDotProduct(NDArray q, NDArray k, NDArray v, NDArray mask, int heads, double scale) {
        long b = q.getShape().get(0);
        long t = q.getShape().get(1);
        long s = k.getShape().get(1);
        long width = q.getShape().get(2);
        long headDim = width / heads;
        NDArray qh = q.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);   // [B,H,T,d]
        NDArray kt = k.reshape(b, s, heads, headDim).transpose(0, 2, 3, 1);   // [B,H,d,S]
        NDArray vh = v.reshape(b, s, heads, headDim).transpose(0, 2, 1, 3);   // [B,H,S,d]
        NDArray scores = qh.matMul(kt).mul((float) scale);                    // [B,H,T,S]
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray probs = scores.softmax(-1);
        return probs.matMul(vh).transpose(0, 2, 1, 3).reshape(new Shape(b, t, width));
    }
}
