package dev.umbra.model.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A Hugging Face model folder, {@code config.json} beside its safetensors weights: how a trained block is saved,
 * and loaded back through the same path as a published checkpoint.
 */
public final class ModelFolder {

    public static final String CONFIG = "config.json";

    private ModelFolder() {}

    /** Writes {@code dir/config.json} and {@code dir/weightsName} with every parameter of {@code root}. */
    public static void save(Path dir, JsonObject config, String weightsName, Block root, TensorType type)
            throws IOException {
        writeConfig(dir, config);
        SafetensorsWriter.write(dir.resolve(weightsName), StateDict.arrays(root), type);
    }

    /** Writes {@code dir/config.json} (creating {@code dir}) as transformers and diffusers do: indented, nulls kept. */
    public static void writeConfig(Path dir, JsonObject config) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(CONFIG), new GsonBuilder().setPrettyPrinting().serializeNulls().create()
                .toJson(config) + "\n");
    }

    /** Gives every parameter of {@code root} its tensor from {@code dir/weightsName}; see {@link StateDict#load}. */
    public static Checkpoint load(Block root, Path dir, String weightsName, NDManager manager, DataType dtype,
                                  Device device) {
        Checkpoint checkpoint = Checkpoint.open(dir, weightsName);
        StateDict.load(root, checkpoint, manager, dtype, device, Set.of());
        return checkpoint;
    }
}
