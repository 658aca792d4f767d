package dev.umbra.model.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base of every model block: parameters and children carry the names of the Hugging Face state dict, and
 * every shape comes from the model's config, never from the inputs.
 *
 * <p>Parameters are declared without a shape so that a checkpoint can hand them their arrays
 * ({@link Parameter#setArray}); {@link #initialize} gives them their config shapes and random values
 * instead, which is the path training takes.
 */
public abstract class HfBlock extends AbstractBlock {

    private final Map<String, Shape> parameterShapes = new LinkedHashMap<>();

    /** Declares a trainable parameter with its Hugging Face name and shape. */
    protected final Parameter parameter(String name, Shape shape, Initializer initializer) {
        parameterShapes.put(name, shape);
        return addParameter(Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optInitializer(initializer)
                .build());
    }

    /** Declares a parameter initialised like PyTorch's default for embeddings (normal, std 0.02). */
    protected final Parameter parameter(String name, Shape shape) {
        return parameter(name, shape, new NormalInitializer(0.02f));
    }

    /** Declares a child under its Hugging Face name (DJL adds an ordinal prefix; {@code StateDict} strips it). */
    protected final <B extends Block> B child(String name, B block) {
        return addChildBlock(name, block);
    }

    /** The config shape of each direct parameter, by name. */
    public Map<String, Shape> parameterShapes() {
        return parameterShapes;
    }

    /** Most blocks keep the shape of their first input; the others override this. */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        for (Parameter p : getDirectParameters().values()) {
            p.setShape(parameterShapes.get(p.getName()));
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // Shapes come from the config, so children need no input shapes of their own.
        for (Pair<String, Block> child : getChildren()) {
            child.getValue().initialize(manager, dataType, inputShapes);
        }
    }
}
