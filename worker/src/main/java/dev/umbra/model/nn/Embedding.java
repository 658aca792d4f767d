package dev.umbra.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/** {@code torch.nn.Embedding}: a dense {@code weight [num, dim]} looked up by int64 ids. */
public final class Embedding extends UnaryBlock {

    private final long dim;
    private final Parameter weight;

    public Embedding(long num, long dim) {
        this.dim = dim;
        this.weight = parameter("weight", new Shape(num, dim));
    }

    /** Rows of the table for {@code ids} (any shape), giving {@code ids.shape + [dim]}. */
    @Override
    public NDArray apply(ParameterStore ps, NDArray ids, boolean training) {
        NDArray w = ps.getValue(weight, ids.getDevice(), training);
        return ai.djl.nn.core.Embedding.embedding(ids, w, SparseFormat.DENSE).singletonOrThrow();
    }

    /** The whole table, for callers that slice it (position embeddings). */
    public NDArray table(ParameterStore ps, ai.djl.Device device, boolean training) {
        return ps.getValue(weight, device, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(dim)};
    }
}
