package dev.umbra.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** A block with one input and one output: owners call {@link #apply} directly, DJL calls {@code forward}. */
public abstract class UnaryBlock extends HfBlock {

    public abstract NDArray apply(ParameterStore ps, NDArray x, boolean training);

    @Override
    protected final NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                           PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.get(0), training));
    }
}
