package dev.umbra.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.umbra.model.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of one Hugging Face model folder: a single {@code NAME.safetensors} or the shards listed by
 * {@code NAME.safetensors.index.json} ({@code weight_map}: tensor name to shard file), as published.
 */
public final class Checkpoint {

    private final Path dir;
    private final List<Path> files;
    private final Map<String, SafetensorsFile> fileOf;
    private final Map<String, SafetensorsFile.Entry> entries;

    private Checkpoint(Path dir, List<Path> files, Map<String, SafetensorsFile> fileOf,
                       Map<String, SafetensorsFile.Entry> entries) {
        this.dir = dir;
        this.files = files;
        this.fileOf = fileOf;
        this.entries = entries;
    }

    /**
     * Opens {@code dir/baseName} ({@code model.safetensors}, {@code diffusion_pytorch_model.safetensors}),
     * or its sharded form when only {@code dir/baseName.index.json} exists.
     */
    public static Checkpoint open(Path dir, String baseName) {
        Path single = dir.resolve(baseName);
        Path index = dir.resolve(baseName + ".index.json");
        if (Files.isRegularFile(single)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> fileOf = new HashMap<>();
            f.entries().keySet().forEach(k -> fileOf.put(k, f));
            return new Checkpoint(dir, List.of(single), fileOf, f.entries());
        }
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index);
        }
        throw new ModelException(dir + ": no weights: neither " + baseName + " nor " + baseName + ".index.json");
    }

    private static Checkpoint openSharded(Path dir, Path index) {
        JsonObject json = JsonFiles.readObject(index);
        JsonElement map = json.get("weight_map");
        if (map == null || !map.isJsonObject()) {
            throw new ModelException(index + ": no \"weight_map\" object");
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> fileOf = new HashMap<>();
        Map<String, SafetensorsFile.Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : map.getAsJsonObject().entrySet()) {
            String tensor = e.getKey();
            String shardName = e.getValue().getAsString();
            Path shardPath = dir.resolve(shardName).normalize();
            if (!shardPath.startsWith(dir.normalize())) {
                throw new ModelException(index + ": shard " + shardName + " lies outside " + dir);
            }
            if (!Files.isRegularFile(shardPath)) {
                throw new ModelException(index + ": shard " + shardName + " (for " + tensor + ") is missing");
            }
            SafetensorsFile shard = shards.computeIfAbsent(shardName, s -> SafetensorsFile.open(shardPath));
            SafetensorsFile.Entry entry = shard.entries().get(tensor);
            if (entry == null) {
                throw new ModelException(index + ": weight_map puts " + tensor + " in " + shardName
                        + ", which has no such tensor");
            }
            fileOf.put(tensor, shard);
            entries.put(tensor, entry);
        }
        List<Path> files = new ArrayList<>();
        files.add(index);
        shards.values().forEach(s -> files.add(s.path()));
        return new Checkpoint(dir, files, fileOf, Collections.unmodifiableMap(entries));
    }

    public Path dir() {
        return dir;
    }

    /** The weight files (and index), for checksums. */
    public List<Path> files() {
        return files;
    }

    public Map<String, SafetensorsFile.Entry> entries() {
        return entries;
    }

    public NDArray load(String name, NDManager manager) {
        SafetensorsFile f = fileOf.get(name);
        if (f == null) {
            throw new ModelException(dir + ": no tensor named " + name);
        }
        return f.load(name, manager);
    }
}
