package dev.umbra.model.clip;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.umbra.model.ModelException;
import dev.umbra.model.checkpoint.ConfigReader;
import dev.umbra.model.nn.Activations;
import java.nio.file.Path;
import java.util.Set;

/**
 * transformers' {@code CLIPVisionConfig}: the keys of an image encoder's {@code config.json} that this code reads.
 *
 * @param hiddenSize        {@code hidden_size}, the width H (768 default)
 * @param intermediateSize  {@code intermediate_size}, the MLP width (3072 default)
 * @param projectionDim     {@code projection_dim}, size P of image_embeds (512 default)
 * @param numHiddenLayers   {@code num_hidden_layers} (12 default)
 * @param numAttentionHeads {@code num_attention_heads} (12 default); must divide hidden_size
 * @param numChannels       {@code num_channels} (3)
 * @param imageSize         {@code image_size}, width and height of the input (224 default)
 * @param patchSize         {@code patch_size} (32 default); must divide image_size
 * @param hiddenAct         {@code hidden_act}: gelu or quick_gelu (default)
 * @param layerNormEps      {@code layer_norm_eps} (1e-5)
 */
public record ClipVisionConfig(
        int hiddenSize,
        int intermediateSize,
        int projectionDim,
        int numHiddenLayers,
        int numAttentionHeads,
        int numChannels,
        int imageSize,
        int patchSize,
        String hiddenAct,
        double layerNormEps) implements ClipEncoderConfig {

    public static final String FILE = "config.json";

    public ClipVisionConfig {
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ModelException("hidden_size must be divisible by num_attention_heads (got hidden_size="
                    + hiddenSize + ", num_attention_heads=" + numAttentionHeads + ")");
        }
        if (imageSize % patchSize != 0) {
            throw new ModelException("image_size must be divisible by patch_size (got image_size=" + imageSize
                    + ", patch_size=" + patchSize + ")");
        }
        if (Activations.forName(hiddenAct) == null) {
            throw new ModelException("hidden_act = \"" + hiddenAct + "\" is not supported (gelu, quick_gelu)");
        }
    }

    /** Patches per image: {@code (image_size / patch_size)^2}; the sequence adds the class token. */
    public int numPatches() {
        int side = imageSize / patchSize;
        return side * side;
    }

    /** The config as transformers writes it for a {@code CLIPVisionModelWithProjection}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add("CLIPVisionModelWithProjection");
        o.add("architectures", architectures);
        o.addProperty("model_type", "clip_vision_model");
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("projection_dim", projectionDim);
        o.addProperty("num_hidden_layers", numHiddenLayers);
        o.addProperty("num_attention_heads", numAttentionHeads);
        o.addProperty("num_channels", numChannels);
        o.addProperty("image_size", imageSize);
        o.addProperty("patch_size", patchSize);
        o.addProperty("hidden_act", hiddenAct);
        o.addProperty("layer_norm_eps", layerNormEps);
        return o;
    }

    /** Reads {@code dir/config.json}, refusing options this implementation does not have. */
    public static ClipVisionConfig load(Path dir) {
        ConfigReader c = new ConfigReader(dir.resolve(FILE));
        String modelType = c.optString("model_type");
        if (modelType != null && !Set.of("clip_vision_model", "clip").contains(modelType)) {
            throw c.unsupported("model_type", c.raw("model_type"), "clip_vision_model");
        }
        if (c.has("vision_config")) {
            throw new ModelException(c.file() + ": this is a full CLIPModel config (it has \"vision_config\");"
                    + " point at a CLIPVisionModelWithProjection folder instead");
        }
        String act = c.optString("hidden_act");
        if (act == null) {
            act = "quick_gelu";
        }
        if (Activations.forName(act) == null) {
            throw c.unsupported("hidden_act", c.raw("hidden_act"), "gelu, quick_gelu");
        }
        int hidden = c.optInt("hidden_size", 768);
        int heads = c.optInt("num_attention_heads", 12);
        if (hidden % heads != 0) {
            throw new ModelException(c.file() + ": hidden_size must be divisible by num_attention_heads (got hidden_size="
                    + hidden + ", num_attention_heads=" + heads + ")");
        }
        int image = c.optInt("image_size", 224);
        int patch = c.optInt("patch_size", 32);
        if (patch < 1 || image % patch != 0) {
            throw new ModelException(c.file() + ": image_size must be divisible by patch_size (got image_size="
                    + image + ", patch_size=" + patch + ")");
        }
        double eps = c.optDouble("layer_norm_eps", 1e-5);
        if (!(eps > 0)) {
            throw c.invalid("layer_norm_eps", c.raw("layer_norm_eps"), "a positive number");
        }
        return new ClipVisionConfig(hidden, c.optInt("intermediate_size", 3072), c.optInt("projection_dim", 512),
                c.optInt("num_hidden_layers", 12), heads, c.optInt("num_channels", 3), image, patch, act, eps);
    }
}
