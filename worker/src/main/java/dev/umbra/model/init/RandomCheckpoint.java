package dev.umbra.model.init;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import dev.umbra.model.checkpoint.SafetensorsWriter;
import dev.umbra.model.checkpoint.SafetensorsWriter.TensorSpec;
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.checkpoint.TensorType;
import dev.umbra.model.nn.HfBlock;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A block's checkpoint with random values, made and written one tensor at a time. Each parameter gets the
 * initializer its block declares for it, the one {@link HfBlock#initialize} would use (Xavier for linear weights,
 * normal(0, 0.02) for embeddings, ones and zeros for layer norms, zeros for biases), drawn by libtorch from a seed
 * of its own derived from the job's seed and the tensor's key: the bytes depend on the seed and the libtorch
 * version only, not on the order of the tensors or on anything else in the process.
 *
 * <p>Only one tensor is in memory at a time (in libtorch's native memory, in float32), where initializing the
 * whole block would hold all of them: 2.8 GB for the bigG text tower. Reseeds libtorch's global generator, so it
 * is meant for a process of its own, such as {@code init-model}.
 */
final class RandomCheckpoint {

    private final List<TensorSpec> specs;
    private final Map<String, Parameter> parameters;

    private RandomCheckpoint(List<TensorSpec> specs, Map<String, Parameter> parameters) {
        this.specs = specs;
        this.parameters = parameters;
    }

    /** The tensors of {@code root} under their state-dict keys, in declaration order, stored as {@code type}. */
    static RandomCheckpoint of(HfBlock root, TensorType type) {
        Map<String, Shape> shapes = StateDict.shapes(root);
        Map<String, Parameter> parameters = StateDict.parameters(root);
        List<TensorSpec> specs = new ArrayList<>();
        for (String key : parameters.keySet()) {
            Shape shape = shapes.get(key);
            if (shape == null) {
                throw new IllegalStateException("parameter " + key + " has no declared shape");
            }
            specs.add(new TensorSpec(key, shape, type));
        }
        return new RandomCheckpoint(Collections.unmodifiableList(specs), parameters);
    }

    List<TensorSpec> specs() {
        return specs;
    }

    long parameterCount() {
        return specs.stream().mapToLong(TensorSpec::elements).sum();
    }

    /** The size of the file {@link #write} makes, header included. */
    long tensorBytes() {
        return specs.stream().mapToLong(TensorSpec::bytes).sum();
    }

    /** Writes every tensor to {@code file}, calling {@code written} after each. */
    void write(Path file, long seed, NDManager manager, Consumer<TensorSpec> written) throws IOException {
        Engine engine = Engine.getEngine(manager.getEngine().getEngineName());
        SafetensorsWriter.write(file, specs, new SafetensorsWriter.TensorSource() {
            private NDManager scope;

            @Override
            public NDArray values(TensorSpec spec) {
                Initializer init = parameters.get(spec.name()).getInitializer();
                if (init == null) {
                    throw new IllegalStateException("parameter " + spec.name() + " declares no initializer");
                }
                engine.setRandomSeed(tensorSeed(seed, spec.name()));
                scope = manager.newSubManager();
                return init.initialize(scope, spec.shape(), DataType.FLOAT32);
            }

            @Override
            public void written(TensorSpec spec, NDArray values) {
                scope.close();
                written.accept(spec);
            }
        });
    }

    /** A 32-bit seed for one tensor: SplitMix64's finalizer over the job's seed and the key's hash. */
    static int tensorSeed(long seed, String key) {
        long z = seed * 0x9E3779B97F4A7C15L + key.hashCode();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (int) (z & 0x7FFFFFFFL);
    }
}
