package dev.umbra.model.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** {@code torch.nn.ModuleList}: children named 0, 1, 2... as in the state dict; the owner drives them. */
public final class ModuleList<B extends Block> extends HfBlock {

    private final List<B> modules = new ArrayList<>();

    public ModuleList(List<B> blocks) {
        for (int i = 0; i < blocks.size(); i++) {
            modules.add(child(Integer.toString(i), blocks.get(i)));
        }
    }

    public List<B> modules() {
        return Collections.unmodifiableList(modules);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("a ModuleList is iterated by its owner, like torch.nn.ModuleList");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
