package dev.umbra.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.umbra.model.nn.Embedding;
import dev.umbra.model.nn.HfBlock;
import dev.umbra.model.nn.LayerNorm;
import dev.umbra.model.nn.Linear;
import dev.umbra.model.nn.UnaryBlock;

/**
 * transformers' {@code CLIPTextModelWithProjection}, block for block ({@code modeling_clip.py}), so that
 * the parameter names are the checkpoint's keys: {@code text_model.encoder.layers.0.self_attn.q_proj.weight}.
 *
 * <p>Input: {@code input_ids [B, T]} int64 (T at most max_position_embeddings). Output:
 * {@code text_embeds [B, P]} and {@code last_hidden_state [B, T, H]}. As ECLIPSE calls it: no padding mask,
 * only the causal one (ECLIPSE-SPEC section 4).
 */
public final class ClipTextModelWithProjection extends HfBlock {

    /** transformers' marker for configs from before eos_token_id was set right (modeling_clip.py). */
    static final long LEGACY_EOS_TOKEN_ID = 2;

    private final ClipTextConfig config;
    private final ClipTextTransformer textModel;
    private final Linear textProjection;

    public ClipTextModelWithProjection(ClipTextConfig config) {
        this.config = config;
        this.textModel = child("text_model", new ClipTextTransformer(config));
        this.textProjection = child("text_projection",
                new Linear(config.hiddenSize(), config.projectionDim(), false));
    }

    public ClipTextConfig config() {
        return config;
    }

    /** @return {@code [text_embeds [B,P], last_hidden_state [B,T,H]]} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray inputIds = inputs.get(0);
        NDArray lastHiddenState = textModel.apply(ps, inputIds, training);            // [B,T,H]
        NDArray pooled = pooledOutput(lastHiddenState, inputIds);                       // [B,H]
        NDArray textEmbeds = textProjection.apply(ps, pooled, training);               // [B,P]
        return new NDList(textEmbeds, lastHiddenState);
    }

    /**
     * The hidden state at the first {@code eos_token_id} of each row. Configs saved by older transformers
     * say {@code eos_token_id: 2}; transformers then pools at the highest id, which is CLIP's end token.
     */
    private NDArray pooledOutput(NDArray lastHiddenState, NDArray inputIds) {
        long t = inputIds.getShape().get(1);
        // argmax returns the first maximum, so on a 0/1 row it is the first 1.
        NDArray eos = config.eosTokenId() == LEGACY_EOS_TOKEN_ID
                ? inputIds.argMax(1)
                : inputIds.eq(config.eosTokenId()).toType(DataType.INT32, false).argMax(1);    // [B]
        // A one-hot row selects exactly one hidden state per row (0 * x + 1 * y adds only exact zeros).
        NDArray select = eos.oneHot((int) t).toType(lastHiddenState.getDataType(), false).expandDims(1); // [B,1,T]
        return select.matMul(lastHiddenState).squeeze(1);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[] {
            new Shape(ids.get(0), config.projectionDim()),
            new Shape(ids.get(0), ids.get(1), config.hiddenSize())
        };
    }

    /** {@code CLIPTextTransformer}: embeddings, encoder, final_layer_norm. */
    static final class ClipTextTransformer extends UnaryBlock {
        private final ClipTextEmbeddings embeddings;
        private final ClipEncoder encoder;
        private final LayerNorm finalLayerNorm;
        private final int hiddenSize;

        ClipTextTransformer(ClipTextConfig config) {
            hiddenSize = config.hiddenSize();
            embeddings = child("embeddings", new ClipTextEmbeddings(config));
            encoder = child("encoder", new ClipEncoder(config));
            finalLayerNorm = child("final_layer_norm", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray inputIds, boolean training) {
            NDArray x = embeddings.apply(ps, inputIds, training);                        // [B,T,H]
            NDArray causal = causalMask(x.getManager(), inputIds.getShape().get(1), x.getDataType());
            x = encoder.apply(ps, x, causal, training);
            return finalLayerNorm.apply(ps, x, training);
        }

        /** Additive mask, the dtype's lowest value above the diagonal, as transformers builds it. */
        private static NDArray causalMask(NDManager manager, long t, DataType dtype) {
            NDArray rows = manager.arange(t).reshape(t, 1);
            NDArray cols = manager.arange(t).reshape(1, t);
            float min = dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
            return cols.gt(rows).toType(dtype, false).mul(min).reshape(1, 1, t, t);
        }

        /** {@code [B, T]} ids to {@code [B, T, H]}. */
        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0].add(hiddenSize)};
        }
    }

    /** {@code CLIPTextEmbeddings}: token_embedding[ids] + position_embedding[0:T]. */
    static final class ClipTextEmbeddings extends UnaryBlock {
        private final Embedding tokenEmbedding;
        private final Embedding positionEmbedding;
        private final int hiddenSize;

        ClipTextEmbeddings(ClipTextConfig config) {
            hiddenSize = config.hiddenSize();
            tokenEmbedding = child("token_embedding", new Embedding(config.vocabSize(), config.hiddenSize()));
            positionEmbedding = child("position_embedding",
                    new Embedding(config.maxPositionEmbeddings(), config.hiddenSize()));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray inputIds, boolean training) {
            long t = inputIds.getShape().get(1);
            NDArray tokens = tokenEmbedding.apply(ps, inputIds, training);                // [B,T,H]
            NDArray positions = inputIds.getManager().arange(t).toType(DataType.INT64, false);
            return tokens.add(positionEmbedding.apply(ps, positions, training));          // + [T,H]
        }

        /** {@code [B, T]} ids to {@code [B, T, H]}. */
        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0].add(hiddenSize)};
        }
    }
}
