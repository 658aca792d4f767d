package dev.umbra.decoder.shapes;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.umbra.model.ModelException;
import dev.umbra.model.checkpoint.ConfigReader;
import dev.umbra.model.checkpoint.JsonFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code config.json} of the shapes-world decoder ({@code _class_name: "ShapesDecoder"}).
 *
 * @param embeddingDim      {@code embedding_dim}: E, the CLIP image embedding it is conditioned on
 * @param latentDim         {@code latent_dim}: Z, the latent that makes it stochastic
 * @param imageSize         {@code image_size}: width and height of the output
 * @param baseSize          {@code base_size}: the first feature map's width and height, doubled by each up block
 * @param blockOutChannels  {@code block_out_channels}: channels of the first feature map, then of each up block
 * @param normGroups        {@code norm_num_groups}: groups of every group norm; divides every channel count
 */
public record ShapesDecoderConfig(int embeddingDim, int latentDim, int imageSize, int baseSize,
                                  List<Integer> blockOutChannels, int normGroups) {

    public static final String FILE = "config.json";
    public static final String CLASS_NAME = "ShapesDecoder";

    public ShapesDecoderConfig {
        blockOutChannels = List.copyOf(blockOutChannels);
        if (blockOutChannels.size() < 2) {
            throw new ModelException("block_out_channels needs at least two entries (got " + blockOutChannels + ")");
        }
        int size = baseSize << (blockOutChannels.size() - 1);
        if (size != imageSize) {
            throw new ModelException("base_size " + baseSize + " doubled by " + (blockOutChannels.size() - 1)
                    + " up blocks gives " + size + ", not image_size " + imageSize);
        }
        for (int c : blockOutChannels) {
            if (c % normGroups != 0) {
                throw new ModelException("norm_num_groups " + normGroups + " does not divide block_out_channels "
                        + blockOutChannels);
            }
        }
    }

    /** Conditioning width of every block: the embedding and the latent side by side. */
    public int conditionDim() {
        return embeddingDim + latentDim;
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", CLASS_NAME);
        o.addProperty("embedding_dim", embeddingDim);
        o.addProperty("latent_dim", latentDim);
        o.addProperty("image_size", imageSize);
        o.addProperty("base_size", baseSize);
        JsonArray channels = new JsonArray();
        blockOutChannels.forEach(channels::add);
        o.add("block_out_channels", channels);
        o.addProperty("norm_num_groups", normGroups);
        return o;
    }

    public static ShapesDecoderConfig load(Path dir) {
        Path file = dir.resolve(FILE);
        ConfigReader c = new ConfigReader(file);
        String cls = c.optString("_class_name");
        if (!CLASS_NAME.equals(cls)) {
            throw c.unsupported("_class_name", c.raw("_class_name"), CLASS_NAME);
        }
        JsonElement raw = JsonFiles.readObject(file).get("block_out_channels");
        if (raw == null || !raw.isJsonArray()) {
            throw new ModelException(file + ": required key \"block_out_channels\" is missing or not an array");
        }
        List<Integer> channels = new ArrayList<>();
        for (JsonElement e : raw.getAsJsonArray()) {
            int v;
            try {
                v = e.getAsInt();
            } catch (RuntimeException ex) {
                throw c.invalid("block_out_channels", raw, "an array of positive integers");
            }
            if (v < 1) {
                throw c.invalid("block_out_channels", raw, "an array of positive integers");
            }
            channels.add(v);
        }
        try {
            return new ShapesDecoderConfig(c.requireInt("embedding_dim"), c.requireInt("latent_dim"),
                    c.requireInt("image_size"), c.requireInt("base_size"), channels, c.optInt("norm_num_groups", 8));
        } catch (ModelException e) {
            throw e.getMessage().startsWith(file.toString()) ? e : new ModelException(file + ": " + e.getMessage(), e);
        }
    }
}
