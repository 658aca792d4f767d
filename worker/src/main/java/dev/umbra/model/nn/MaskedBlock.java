package dev.umbra.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A block over a sequence with an optional additive attention mask: owners call {@link #apply} directly,
 * DJL calls {@code forward} with {@code [x]} or {@code [x, mask]}.
 */
public abstract class MaskedBlock extends HfBlock {

    /** @param mask additive, broadcastable to [B, heads, T, T], or null for none */
    public abstract NDArray apply(ParameterStore ps, NDArray x, NDArray mask, boolean training);

    @Override
    protected final NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                           PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training));
    }
}
