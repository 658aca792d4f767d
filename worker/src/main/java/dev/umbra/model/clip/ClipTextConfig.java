package dev.umbra.model.clip;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.umbra.model.ModelException;
import dev.umbra.model.checkpoint.ConfigReader;
import dev.umbra.model.nn.Activations;
import java.nio.file.Path;
import java.util.Set;

/**
 * transformers' {@code CLIPTextConfig}: the keys of a text encoder's {@code config.json} that this code reads.
 *
 * @param vocabSize             {@code vocab_size}, rows of the token embedding (49408)
 * @param hiddenSize            {@code hidden_size}, the width H (768 ViT-L, 1280 bigG)
 * @param intermediateSize      {@code intermediate_size}, the MLP width (4H)
 * @param projectionDim         {@code projection_dim}, size P of text_embeds (defaults to 512 as in transformers)
 * @param numHiddenLayers       {@code num_hidden_layers}
 * @param numAttentionHeads     {@code num_attention_heads}; must divide hidden_size
 * @param maxPositionEmbeddings {@code max_position_embeddings}, rows of the position table (77)
 * @param hiddenAct             {@code hidden_act}: gelu (exact) or quick_gelu
 * @param layerNormEps          {@code layer_norm_eps} (1e-5)
 * @param eosTokenId            {@code eos_token_id}; the pooled token is its first occurrence (49407)
 */
public record ClipTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int projectionDim,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        String hiddenAct,
        double layerNormEps,
        long eosTokenId) implements ClipEncoderConfig {

    public static final String FILE = "config.json";

    public ClipTextConfig {
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ModelException("hidden_size must be divisible by num_attention_heads (got hidden_size="
                    + hiddenSize + ", num_attention_heads=" + numAttentionHeads + ")");
        }
        if (Activations.forName(hiddenAct) == null) {
            throw new ModelException("hidden_act = \"" + hiddenAct + "\" is not supported (gelu, quick_gelu)");
        }
    }

    /** The config as transformers writes it for a {@code CLIPTextModelWithProjection}. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        JsonArray architectures = new JsonArray();
        architectures.add("CLIPTextModelWithProjection");
        o.add("architectures", architectures);
        o.addProperty("model_type", "clip_text_model");
        o.addProperty("vocab_size", vocabSize);
        o.addProperty("hidden_size", hiddenSize);
        o.addProperty("intermediate_size", intermediateSize);
        o.addProperty("projection_dim", projectionDim);
        o.addProperty("num_hidden_layers", numHiddenLayers);
        o.addProperty("num_attention_heads", numAttentionHeads);
        o.addProperty("max_position_embeddings", maxPositionEmbeddings);
        o.addProperty("hidden_act", hiddenAct);
        o.addProperty("layer_norm_eps", layerNormEps);
        o.addProperty("bos_token_id", 49406);
        o.addProperty("eos_token_id", eosTokenId);
        o.addProperty("pad_token_id", 1);
        return o;
    }

    /** Reads {@code dir/config.json}, refusing options this implementation does not have. */
    public static ClipTextConfig load(Path dir) {
        ConfigReader c = new ConfigReader(dir.resolve(FILE));
        String modelType = c.optString("model_type");
        if (modelType != null && !Set.of("clip_text_model", "clip").contains(modelType)) {
            throw c.unsupported("model_type", c.raw("model_type"), "clip_text_model");
        }
        if (c.has("text_config")) {
            throw new ModelException(c.file() + ": this is a full CLIPModel config (it has \"text_config\");"
                    + " point at a CLIPTextModelWithProjection folder instead");
        }
        String act = c.optString("hidden_act");
        if (act == null) {
            act = "quick_gelu";
        }
        if (Activations.forName(act) == null) {
            throw c.unsupported("hidden_act", c.raw("hidden_act"), "gelu, quick_gelu");
        }
        int hidden = c.optInt("hidden_size", 512);
        int heads = c.optInt("num_attention_heads", 8);
        if (hidden % heads != 0) {
            throw new ModelException(c.file() + ": hidden_size must be divisible by num_attention_heads (got hidden_size="
                    + hidden + ", num_attention_heads=" + heads + ")");
        }
        double eps = c.optDouble("layer_norm_eps", 1e-5);
        if (!(eps > 0)) {
            throw c.invalid("layer_norm_eps", c.raw("layer_norm_eps"), "a positive number");
        }
        return new ClipTextConfig(
                c.optInt("vocab_size", 49408),
                hidden,
                c.optInt("intermediate_size", 2048),
                c.optInt("projection_dim", 512),
                c.optInt("num_hidden_layers", 12),
                heads,
                c.optInt("max_position_embeddings", 77),
                act,
                eps,
                c.optLong("eos_token_id", 49407));
    }
}
