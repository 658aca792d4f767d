package dev.umbra.model.prior;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.umbra.model.ModelException;
import dev.umbra.model.checkpoint.ConfigReader;
import java.nio.file.Path;
import java.util.Set;

/**
 * The keys of an ECLIPSE prior's {@code config.json} (diffusers {@code PriorTransformer}) this code reads.
 * Options of the diffusers class that ECLIPSE does not use are refused by {@link #load}, naming key and value.
 *
 * @param numAttentionHeads     {@code num_attention_heads} (16 in the released priors)
 * @param attentionHeadDim      {@code attention_head_dim} (32); the inner width D is their product
 * @param numLayers             {@code num_layers} (10)
 * @param embeddingDim          {@code embedding_dim}, E: the CLIP embedding size (1280 Kandinsky, 768 Karlo)
 * @param numEmbeddings         {@code num_embeddings}: text tokens, 77
 * @param additionalEmbeddings  {@code additional_embeddings}: 3 (text embedding, noise, prd; no time token)
 */
public record PriorConfig(
        int numAttentionHeads,
        int attentionHeadDim,
        int numLayers,
        int embeddingDim,
        int numEmbeddings,
        int additionalEmbeddings) {

    public static final String FILE = "config.json";

    public PriorConfig {
        if (additionalEmbeddings != 3) {
            throw new ModelException("additional_embeddings must be 3 for ECLIPSE (got " + additionalEmbeddings + ")");
        }
    }

    /** D, the transformer width. */
    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** Tokens the transformer sees: the text tokens and the 3 extra ones. */
    public int sequenceLength() {
        return numEmbeddings + additionalEmbeddings;
    }

    /** The config as diffusers writes it for an ECLIPSE {@code PriorTransformer} (no time token). */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("_class_name", "PriorTransformer");
        o.addProperty("added_emb_type", "prd");
        o.addProperty("additional_embeddings", additionalEmbeddings);
        o.addProperty("attention_head_dim", attentionHeadDim);
        o.add("clip_embed_dim", JsonNull.INSTANCE);
        o.addProperty("dropout", 0.0);
        o.addProperty("embedding_dim", embeddingDim);
        o.add("embedding_proj_dim", JsonNull.INSTANCE);
        o.add("embedding_proj_norm_type", JsonNull.INSTANCE);
        o.addProperty("encoder_hid_proj_type", "linear");
        o.add("norm_in_type", JsonNull.INSTANCE);
        o.addProperty("num_attention_heads", numAttentionHeads);
        o.addProperty("num_embeddings", numEmbeddings);
        o.addProperty("num_layers", numLayers);
        return o;
    }

    public static PriorConfig load(Path dir) {
        ConfigReader c = new ConfigReader(dir.resolve(FILE));
        String cls = c.optString("_class_name");
        if (cls != null && !cls.equals("PriorTransformer")) {
            throw c.unsupported("_class_name", c.raw("_class_name"), "PriorTransformer");
        }
        c.requireOneOf("added_emb_type", "prd", Set.of("prd"), false);
        c.requireOneOf("encoder_hid_proj_type", "linear", Set.of("linear"), false);
        c.requireOneOf("norm_in_type", null, Set.of(), true);
        c.requireOneOf("embedding_proj_norm_type", null, Set.of(), true);
        int heads = c.optInt("num_attention_heads", 32);
        int headDim = c.optInt("attention_head_dim", 64);
        int layers = c.optInt("num_layers", 20);
        int e = c.optInt("embedding_dim", 768);
        int tokens = c.optInt("num_embeddings", 77);
        int additional = c.optInt("additional_embeddings", 4);
        if (additional != 3) {
            throw c.unsupported("additional_embeddings", c.raw("additional_embeddings") == null
                    ? new com.google.gson.JsonPrimitive(additional) : c.raw("additional_embeddings"),
                    "3: ECLIPSE has no time token; 4 is a diffusion prior");
        }
        for (String key : new String[] {"embedding_proj_dim", "clip_embed_dim"}) {
            if (c.has(key) && c.optInt(key, e) != e) {
                throw c.unsupported(key, c.raw(key), "null or embedding_dim (" + e + ")");
            }
        }
        return new PriorConfig(heads, headDim, layers, e, tokens, additional);
    }
}
