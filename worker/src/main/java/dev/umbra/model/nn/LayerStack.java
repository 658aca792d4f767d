package dev.umbra.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * Runs a stack of layers so that each layer's intermediate arrays are freed when it returns. Without this, every
 * intermediate of a forward pass lives until the caller's scope closes: for the bigG text tower at batch 64 that
 * is over 20 GB. With it, one layer's intermediates and the running activation are all that is held.
 *
 * <p>Safe for training too: closing an array releases DJL's handle, while autograd keeps its own references to
 * the tensors it saved for the backward pass.
 */
public final class LayerStack {

    private LayerStack() {}

    /** {@code x} through every layer in order; {@code x} itself is left open, the intermediate outputs are closed. */
    public static NDArray apply(List<? extends MaskedBlock> layers, ParameterStore ps, NDArray x, NDArray mask,
                                boolean training) {
        NDArray current = x;
        for (MaskedBlock layer : layers) {
            NDArray next = scoped(current, in -> layer.apply(ps, in, mask, training));
            if (current != x) {
                current.close();
            }
            current = next;
        }
        return current;
    }

    private static NDArray scoped(NDArray x, java.util.function.UnaryOperator<NDArray> layer) {
        NDManager owner = x.getManager();
        try (NDManager scope = owner.newSubManager()) {
            // Results belong to the manager of their first operand: with x here, the layer's arrays land in scope.
            x.tempAttach(scope);
            NDArray y = layer.apply(x);
            y.attach(owner);
            return y;
        }
    }
}
