package dev.umbra.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.umbra.model.nn.Activations;
import dev.umbra.model.nn.Attention;
import dev.umbra.model.nn.Embedding;
import dev.umbra.model.nn.HfBlock;
import dev.umbra.model.nn.LayerNorm;
import dev.umbra.model.nn.LayerStack;
import dev.umbra.model.nn.Linear;
import dev.umbra.model.nn.MaskedBlock;
import dev.umbra.model.nn.ModuleList;
import dev.umbra.model.nn.UnaryBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

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

    /** {@code CLIPEncoder}: the stack of layers. */
    static final class ClipEncoder extends MaskedBlock {
        private final ModuleList<ClipEncoderLayer> layers;

        ClipEncoder(ClipTextConfig config) {
            List<ClipEncoderLayer> list = new ArrayList<>();
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                list.add(new ClipEncoderLayer(config));
            }
            layers = child("layers", new ModuleList<>(list));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
            return LayerStack.apply(layers.modules(), ps, x, mask, training);
        }
    }

    /** {@code CLIPEncoderLayer}: pre-LN attention and MLP, each with a residual. */
    static final class ClipEncoderLayer extends MaskedBlock {
        private final ClipAttention selfAttn;
        private final LayerNorm layerNorm1;
        private final ClipMlp mlp;
        private final LayerNorm layerNorm2;

        ClipEncoderLayer(ClipTextConfig config) {
            selfAttn = child("self_attn", new ClipAttention(config));
            layerNorm1 = child("layer_norm1", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
            mlp = child("mlp", new ClipMlp(config));
            layerNorm2 = child("layer_norm2", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
            x = x.add(selfAttn.apply(ps, layerNorm1.apply(ps, x, training), mask, training));
            return x.add(mlp.apply(ps, layerNorm2.apply(ps, x, training), training));
        }
    }

    /** {@code CLIPAttention}: q/k/v/out projections, scale 1/sqrt(head_dim). */
    static final class ClipAttention extends MaskedBlock {
        private final int heads;
        private final double scale;
        private final Linear kProj;
        private final Linear vProj;
        private final Linear qProj;
        private final Linear outProj;

        ClipAttention(ClipTextConfig config) {
            heads = config.numAttentionHeads();
            scale = 1.0 / Math.sqrt(config.headDim());
            int h = config.hiddenSize();
            kProj = child("k_proj", new Linear(h, h));
            vProj = child("v_proj", new Linear(h, h));
            qProj = child("q_proj", new Linear(h, h));
            outProj = child("out_proj", new Linear(h, h));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
            NDArray q = qProj.apply(ps, x, training);
            NDArray k = kProj.apply(ps, x, training);
            NDArray v = vProj.apply(ps, x, training);
            return outProj.apply(ps, Attention.scaledDotProduct(q, k, v, mask, heads, scale), training);
        }
    }

    /** {@code CLIPMLP}: fc1, activation, fc2. */
    static final class ClipMlp extends UnaryBlock {
        private final UnaryOperator<NDArray> activation;
        private final Linear fc1;
        private final Linear fc2;

        ClipMlp(ClipTextConfig config) {
            activation = Activations.forName(config.hiddenAct());
            fc1 = child("fc1", new Linear(config.hiddenSize(), config.intermediateSize()));
            fc2 = child("fc2", new Linear(config.intermediateSize(), config.hiddenSize()));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
            return fc2.apply(ps, activation.apply(fc1.apply(ps, x, training)), training);
        }
    }
}
