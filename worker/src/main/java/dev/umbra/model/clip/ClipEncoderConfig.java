package dev.umbra.model.clip;

/** What {@link ClipEncoder} reads of a tower's config: the keys the text and vision configs share. */
public interface ClipEncoderConfig {

    /** {@code hidden_size}, the width H. */
    int hiddenSize();

    /** {@code intermediate_size}, the MLP width. */
    int intermediateSize();

    /** {@code num_hidden_layers}. */
    int numHiddenLayers();

    /** {@code num_attention_heads}; divides hidden_size. */
    int numAttentionHeads();

    /** {@code hidden_act}: gelu or quick_gelu. */
    String hiddenAct();

    /** {@code layer_norm_eps}. */
    double layerNormEps();

    default int headDim() {
        return hiddenSize() / numAttentionHeads();
    }
}
