package dev.umbra.model.prior;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.umbra.model.nn.Activations;
import dev.umbra.model.nn.Attention;
import dev.umbra.model.nn.HfBlock;
import dev.umbra.model.nn.LayerNorm;
import dev.umbra.model.nn.LayerStack;
import dev.umbra.model.nn.Linear;
import dev.umbra.model.nn.MaskedBlock;
import dev.umbra.model.nn.ModuleList;
import dev.umbra.model.nn.UnaryBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The ECLIPSE prior: diffusers' {@code PriorTransformer} as ECLIPSE's {@code prior_transformer.py} uses it,
 * without the time token (ECLIPSE-SPEC section 5). Parameter names are the diffusers state-dict keys.
 *
 * <p>Inputs: {@code noise [B,E]}, {@code text_embeds [B,E]}, {@code last_hidden_state [B,77,E]} and,
 * optionally, {@code attention_mask [B,77]} (1 = token, 0 = padding). Without a mask there is no causal mask
 * either, as in diffusers. Output: {@code image_embeds [B,E]}. With a mask, the text may also be a prefix of the
 * 77 tokens that holds every real one (training cuts short prompts so).
 */
public final class PriorTransformer extends HfBlock {

    /** Masked positions get this large finite value, not -inf (as diffusers does). */
    static final float MASK_VALUE = -10000f;

    private final PriorConfig config;
    private final Linear projIn;
    private final Linear embeddingProj;
    private final Linear encoderHiddenStatesProj;
    private final Parameter positionalEmbedding;
    private final Parameter prdEmbedding;
    private final ModuleList<BasicTransformerBlock> transformerBlocks;
    private final LayerNorm normOut;
    private final Linear projToClipEmbeddings;

    public PriorTransformer(PriorConfig config) {
        this.config = config;
        int d = config.innerDim();
        int e = config.embeddingDim();
        projIn = child("proj_in", new Linear(e, d));
        embeddingProj = child("embedding_proj", new Linear(e, d));
        encoderHiddenStatesProj = child("encoder_hidden_states_proj", new Linear(e, d));
        positionalEmbedding = parameter("positional_embedding", new Shape(1, config.sequenceLength(), d));
        prdEmbedding = parameter("prd_embedding", new Shape(1, 1, d));
        List<BasicTransformerBlock> blocks = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            blocks.add(new BasicTransformerBlock(config));
        }
        transformerBlocks = child("transformer_blocks", new ModuleList<>(blocks));
        normOut = child("norm_out", new LayerNorm(d, 1e-5));
        projToClipEmbeddings = child("proj_to_clip_embeddings", new Linear(d, e));
        // Kept so that checkpoints load and save unchanged; ECLIPSE never applies them (no post_process_latents).
        parameter("clip_mean", new Shape(1, e), Initializer.ZEROS);
        parameter("clip_std", new Shape(1, e), Initializer.ONES);
    }

    public PriorConfig config() {
        return config;
    }

    /** @param inputs noise, text_embeds, last_hidden_state [, attention_mask]; @return [image_embeds] */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray noise = inputs.get(0);
        NDArray textEmbeds = inputs.get(1);
        NDArray lastHiddenState = inputs.get(2);
        NDArray attentionMask = inputs.size() > 3 ? inputs.get(3) : null;

        NDArray e = encoderHiddenStatesProj.apply(ps, lastHiddenState, training);         // [B,77,D]
        NDArray p = embeddingProj.apply(ps, textEmbeds, training).expandDims(1);            // [B,1,D]
        NDArray x = projIn.apply(ps, noise, training).expandDims(1);                         // [B,1,D]
        // noise first, so that the broadcast result belongs to the batch's manager, not the model's
        NDArray prd = x.zerosLike().add(ps.getValue(prdEmbedding, x.getDevice(), training)); // [B,1,D]
        NDArray h = NDArrays.concat(new NDList(e, p, x, prd), 1)
                .add(positions(ps, x, lastHiddenState.getShape().get(1), attentionMask, training)); // [B,80,D]

        NDArray mask = attentionMask == null ? null : additiveMask(attentionMask, h.getDataType());   // [B,1,80,80]
        h = LayerStack.apply(transformerBlocks.modules(), ps, h, mask, training);
        NDArray last = normOut.apply(ps, h, training).get(":, -1");                          // [B,D] prd token
        return new NDList(projToClipEmbeddings.apply(ps, last, training));                    // [B,E]
    }

    /**
     * The positional embedding of the sequence. With fewer than {@code num_embeddings} text tokens (a training
     * batch of short prompts cut after their last real token), the text tokens keep their positions and the three
     * extra tokens keep theirs: exactly the full model's computation, since the cut tokens would be padding, masked
     * out of every attention.
     */
    private NDArray positions(ParameterStore ps, NDArray x, long textTokens, NDArray attentionMask, boolean training) {
        NDArray all = ps.getValue(positionalEmbedding, x.getDevice(), training);               // [1,80,D]
        if (textTokens == config.numEmbeddings()) {
            return all;
        }
        if (textTokens > config.numEmbeddings() || attentionMask == null) {
            throw new IllegalArgumentException("the prior takes " + config.numEmbeddings()
                    + " text tokens, or fewer with an attention mask (got " + textTokens + ")");
        }
        // slices of a parameter belong to the model's manager: hand them to the batch's instead
        NDArray text = all.get(":, 0:" + textTokens);
        text.attach(x.getManager());
        NDArray extra = all.get(":, " + config.numEmbeddings() + ":");
        extra.attach(x.getManager());
        return NDArrays.concat(new NDList(text, extra), 1);
    }

    /** (1 - mask) * -10000 over the text tokens, 0 over the extra ones, plus the causal mask. */
    private NDArray additiveMask(NDArray attentionMask, DataType dtype) {
        NDManager m = attentionMask.getManager();
        long b = attentionMask.getShape().get(0);
        long l = attentionMask.getShape().get(1) + config.additionalEmbeddings();
        NDArray text = attentionMask.toType(dtype, false).neg().add(1f).mul(MASK_VALUE);    // [B,77]
        NDArray extra = m.zeros(new Shape(b, config.additionalEmbeddings()), dtype);
        NDArray padding = NDArrays.concat(new NDList(text, extra), 1).reshape(b, 1, 1, l);  // [B,1,1,80]
        NDArray rows = m.arange(l).reshape(l, 1);
        NDArray cols = m.arange(l).reshape(1, l);
        NDArray causal = cols.gt(rows).toType(dtype, false).mul(MASK_VALUE);              // [80,80]
        return padding.add(causal);                                                          // [B,1,80,80]
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.embeddingDim())};
    }

    /** diffusers' {@code BasicTransformerBlock} as the prior configures it: self-attention and a GELU MLP, pre-LN. */
    static final class BasicTransformerBlock extends MaskedBlock {
        private final LayerNorm norm1;
        private final PriorAttention attn1;
        private final LayerNorm norm3;
        private final FeedForward ff;

        BasicTransformerBlock(PriorConfig config) {
            int d = config.innerDim();
            norm1 = child("norm1", new LayerNorm(d, 1e-5));
            attn1 = child("attn1", new PriorAttention(config));
            norm3 = child("norm3", new LayerNorm(d, 1e-5));
            ff = child("ff", new FeedForward(d));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray h, NDArray mask, boolean training) {
            h = h.add(attn1.apply(ps, norm1.apply(ps, h, training), mask, training));
            return h.add(ff.apply(ps, norm3.apply(ps, h, training), training));
        }
    }

    /** diffusers' {@code Attention} (biased to_q/to_k/to_v, to_out.0), scale 1/sqrt(head_dim). */
    static final class PriorAttention extends MaskedBlock {
        private final int heads;
        private final double scale;
        private final Linear toQ;
        private final Linear toK;
        private final Linear toV;
        private final Linear toOut0;

        PriorAttention(PriorConfig config) {
            heads = config.numAttentionHeads();
            scale = 1.0 / Math.sqrt(config.attentionHeadDim());
            int d = config.innerDim();
            toQ = child("to_q", new Linear(d, d));
            toK = child("to_k", new Linear(d, d));
            toV = child("to_v", new Linear(d, d));
            ModuleList<Linear> toOut = child("to_out", new ModuleList<>(List.of(new Linear(d, d))));
            toOut0 = toOut.modules().get(0);
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray h, NDArray mask, boolean training) {
            NDArray q = toQ.apply(ps, h, training);
            NDArray k = toK.apply(ps, h, training);
            NDArray v = toV.apply(ps, h, training);
            return toOut0.apply(ps, Attention.scaledDotProduct(q, k, v, mask, heads, scale), training);
        }
    }

    /** diffusers' {@code FeedForward}: net.0 = GELU(proj: D to 4D, exact gelu), net.1 = dropout, net.2 = Linear(4D, D). */
    static final class FeedForward extends UnaryBlock {
        private final GeluProj net0;
        private final Linear net2;

        FeedForward(int d) {
            net0 = new GeluProj(d);
            net2 = new Linear(4L * d, d);
            child("net", new ModuleList<>(List.of(net0, new Dropout(), net2)));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray h, boolean training) {
            return net2.apply(ps, net0.apply(ps, h, training), training);
        }
    }

    /** diffusers' {@code GELU} module: {@code proj}, then exact gelu. */
    static final class GeluProj extends UnaryBlock {
        private final Linear proj;

        GeluProj(int d) {
            proj = child("proj", new Linear(d, 4L * d));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray h, boolean training) {
            return Activations.gelu(proj.apply(ps, h, training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return proj.getOutputShapes(inputShapes);
        }
    }

    /** {@code net.1}: dropout, parameter-free (0.0 in the released priors); present so that indices match. */
    static final class Dropout extends UnaryBlock {
        @Override
        public NDArray apply(ParameterStore ps, NDArray h, boolean training) {
            return h;
        }
    }
}
